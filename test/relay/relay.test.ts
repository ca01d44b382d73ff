/**
 * The relay under bad input: every case gets its code on the offending connection only,
 * other connections keep working, memory stays bounded. Plus tokens, limits, HTTP
 * endpoints, logs without secrets, the capture tap and graceful shutdown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACK_DELAY_MS, ACK_EVERY, ENVELOPE_VERSION } from '../../src/signaling/envelope.js';
import { signJoinToken } from '../../src/relay/index.js';
import { RawClient, startRelay, until, type TestRelay } from './helpers.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
async function relay(o: Parameters<typeof startRelay>[0] = {}): Promise<TestRelay> {
  const r = await startRelay(o);
  cleanup.push(() => r.close({ drainMs: 100 }));
  return r;
}
function raw(url: string): RawClient {
  const c = new RawClient(url);
  cleanup.push(() => c.ws.terminate());
  return c;
}
const payload = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Two well-behaved peers that must stay unaffected by whatever a third one does. */
async function bystanders(url: string): Promise<() => Promise<void>> {
  const x = raw(url);
  const y = raw(url);
  await x.join('room-1', 'x');
  await y.join('room-1', 'y');
  let n = 0;
  return async () => {
    n++;
    x.send({ t: 'send', seq: n, to: 'y', payload: payload(`ok${n}`) });
    await until(() => y.delivered().some((d) => new TextDecoder().decode(d.payload) === `ok${n}`), 5_000, 'bystander delivery');
    expect(x.closeCode).toBeUndefined();
    expect(y.closeCode).toBeUndefined();
  };
}

describe('relay: bad input', () => {
  it('closes a text frame with text-frame / 1003', async () => {
    const r = await relay();
    const check = await bystanders(r.url);
    const bad = raw(r.url);
    await bad.join('room-1', 'bad');
    bad.ws.send('hello');
    expect(await bad.closed()).toBe(1003);
    expect(bad.errors()).toEqual([{ code: 'text-frame', fatal: true, seq: 0 }]);
    await check();
  });

  it('drops an oversize payload with message-too-large and cuts a frame beyond the hard cap (1009)', async () => {
    const r = await relay({ limits: { maxPayloadBytes: 1000 } });
    const check = await bystanders(r.url);
    const bad = raw(r.url);
    await bad.join('room-1', 'bad');
    bad.send({ t: 'send', seq: 1, to: 'x', payload: new Uint8Array(1001) });
    await until(() => bad.errors().length === 1);
    expect(bad.errors()).toEqual([{ code: 'message-too-large', fatal: false, seq: 1 }]);
    bad.send({ t: 'send', seq: 2, to: 'x', payload: new Uint8Array(5000) });
    expect(await bad.closed()).toBe(1009);
    await check();
  });

  it('closes malformed envelopes (garbage, wrong version, truncated join) with malformed-envelope / 4000', async () => {
    const r = await relay();
    const check = await bystanders(r.url);
    for (const junk of [Uint8Array.of(9, 9, 9), Uint8Array.of(ENVELOPE_VERSION + 1, 4), Uint8Array.of(ENVELOPE_VERSION, 1, 5, 65)]) {
      const bad = raw(r.url);
      await bad.opened;
      bad.ws.send(junk);
      expect(await bad.closed()).toBe(4000);
      expect(bad.errors().map((e) => e.code)).toEqual(['malformed-envelope']);
    }
    await check();
    expect(r.metrics().errors['malformed-envelope']).toBe(3);
  });

  it('refuses messages before JOIN (not-joined) and a second JOIN', async () => {
    const r = await relay();
    const a = raw(r.url);
    await a.opened;
    a.send({ t: 'send', seq: 1, to: '*', payload: payload('x') });
    expect(await a.closed()).toBe(4001);
    const b = raw(r.url);
    await b.join('room-1', 'b');
    b.send({ t: 'join', room: 'room-2', peer: 'b', token: new Uint8Array(), resumeKey: new Uint8Array(16), instance: new Uint8Array(8), lastDeliverySeq: 0 });
    expect(await b.closed()).toBe(4000);
  });

  it('answers unknown targets (and sending to oneself) with a non-fatal unknown-target', async () => {
    const r = await relay();
    const a = raw(r.url);
    await a.join('room-1', 'a');
    a.send({ t: 'send', seq: 1, to: 'ghost', payload: payload('x') });
    a.send({ t: 'send', seq: 2, to: 'a', payload: payload('x') });
    await until(() => a.errors().length === 2);
    expect(a.errors()).toEqual([{ code: 'unknown-target', fatal: false, seq: 1 }, { code: 'unknown-target', fatal: false, seq: 2 }]);
    await until(() => a.frames.some((f) => f.t === 'ack' && f.seq === 2));
    expect(a.closeCode).toBeUndefined();
  });

  it('batches SEND acks: one cumulative ACK per ACK_EVERY sends, a lone send acked after ACK_DELAY_MS', async () => {
    const r = await relay();
    const a = raw(r.url);
    const b = raw(r.url);
    await a.join('room-1', 'a');
    await b.join('room-1', 'b');
    const acks = (): number[] => a.frames.flatMap((f) => (f.t === 'ack' ? [f.seq] : []));
    // A burst of 2 × ACK_EVERY sends: a handful of cumulative ACKs (two by count, at most one or two
    // more if the delay timer fires mid-burst on a slow machine), never one per send.
    for (let i = 1; i <= 2 * ACK_EVERY; i++) a.send({ t: 'send', seq: i, to: 'b', payload: payload(`m${i}`) });
    await until(() => b.delivered().length === 2 * ACK_EVERY);
    await until(() => acks().includes(2 * ACK_EVERY));
    expect(acks().length).toBeLessThanOrEqual(4);
    expect(acks()).toEqual([...acks()].sort((x, y) => x - y));
    // Once the shared timer has run out, a lone send arms it afresh: its ACK comes after the delay.
    await new Promise((res) => setTimeout(res, 2 * ACK_DELAY_MS));
    const before = acks().length;
    const t0 = Date.now();
    a.send({ t: 'send', seq: 2 * ACK_EVERY + 1, to: 'b', payload: payload('last') });
    await until(() => acks().length === before + 1, 5_000, 'delayed ack');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(ACK_DELAY_MS - 5);
    expect(acks().at(-1)).toBe(2 * ACK_EVERY + 1);
    // A connection that goes away owes nothing: the pending ACK is dropped with it, no throw.
    a.send({ t: 'send', seq: 2 * ACK_EVERY + 2, to: 'b', payload: payload('bye') });
    await until(() => b.delivered().length === 2 * ACK_EVERY + 2);
    a.ws.terminate();
    await new Promise((res) => setTimeout(res, ACK_DELAY_MS + 50));
    expect(b.closeCode).toBeUndefined();
  });

  it('carries acks on traffic: a DELIVER acks the recipient\'s SENDs, a SEND acks the sender\'s deliveries', async () => {
    const r = await relay();
    const a = raw(r.url);
    const b = raw(r.url);
    await a.join('room-1', 'a');
    await b.join('room-1', 'b');
    const acks = (c: RawClient): number[] => c.frames.flatMap((f) => (f.t === 'ack' ? [f.seq] : []));
    const lastSeq = (c: RawClient): number => Math.max(0, ...c.frames.flatMap((f) => ('seq' in f && f.t !== 'ack' && f.t !== 'error' ? [f.seq] : [])));
    await until(() => a.frames.some((f) => f.t === 'joined'));
    a.send({ t: 'send', seq: 1, ack: lastSeq(a), to: 'b', payload: payload('ping') });
    await until(() => b.delivered().length === 1);
    // b's reply carries b's delivery ack; the DELIVER to a carries a's SEND ack (seq 1).
    b.send({ t: 'send', seq: 1, ack: lastSeq(b), to: 'a', payload: payload('pong') });
    await until(() => a.delivered().length === 1);
    expect(a.delivered()[0]?.ackedSendSeq).toBe(1);
    // b's SEND was acked by nothing going back, so it gets an ACK frame after the delay; a's SEND
    // was acked on the DELIVER and, although it was owed earlier, gets none.
    await until(() => acks(b).includes(1), 5_000, 'delayed ack to b');
    expect(acks(b)).toEqual([1]);
    expect(acks(a)).toEqual([]);
    // a acks its delivery on a SEND that goes nowhere (answered by a non-sequenced error).
    a.send({ t: 'send', seq: 2, ack: lastSeq(a), to: 'ghost', payload: payload('x') });
    await until(() => a.errors().length === 1);
    // Every sequenced frame is acked now, and no client sent an ACK frame: both outboxes are empty.
    await until(() => r.metrics().outboxBytes === 0, 5_000, 'outboxes trimmed by carried acks');
    await until(() => acks(a).includes(2), 5_000, 'delayed ack to a');
    expect(acks(a)).toEqual([2]);
    expect(acks(b)).toEqual([1]);
  });

  it('rate-limits a flood (rate-limited) and then closes it (flood / 4029)', async () => {
    const r = await relay({ limits: { maxMessagesPerSec: 10, floodStrikes: 20 } });
    const check = await bystanders(r.url);
    const bad = raw(r.url);
    await bad.join('room-1', 'bad');
    for (let i = 1; i <= 100; i++) bad.send({ t: 'send', seq: i, to: 'x', payload: payload('f') });
    expect(await bad.closed()).toBe(4029);
    const codes = bad.errors().map((e) => e.code);
    expect(codes.filter((c) => c === 'rate-limited').length).toBeGreaterThan(0);
    expect(codes.at(-1)).toBe('flood');
    await check();
  });

  it('closes a slow reader (slow-reader) and keeps its buffered bytes bounded', async () => {
    const maxOutboxBytes = 256 * 1024;
    const r = await relay({ limits: { maxOutboxBytes, maxBufferedBytes: 64 * 1024, maxMessagesPerSec: 100_000, maxBytesPerSec: 1e9, resumeGraceMs: 200 } });
    const check = await bystanders(r.url);
    const slow = raw(r.url);
    await slow.join('room-1', 'slow');
    // Stop reading: the kernel buffers fill, then ws's bufferedAmount grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const sender = raw(r.url);
    await sender.join('room-1', 'sender');
    const chunk = new Uint8Array(16 * 1024);
    let peak = 0;
    for (let i = 1; i <= 400; i++) {
      sender.send({ t: 'send', seq: i, to: 'slow', payload: chunk });
      if (i % 20 === 0) await new Promise((res) => setTimeout(res, 5));
      peak = Math.max(peak, r.metrics().outboxBytes);
    }
    // 400 × 16 KiB = 6.4 MiB were sent at it; the relay never held more than its limit (+ one frame).
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(maxOutboxBytes + chunk.length + 64);
    await until(() => (r.metrics().errors['slow-reader'] ?? 0) >= 1, 10_000, 'slow-reader');
    // The session is gone after its grace, with every byte it held released.
    await until(() => r.metrics().sessions === 3, 5_000, 'session released');
    expect(r.metrics().sessions).toBe(3);
    await check();
  });

  it('closes idle connections and connections that never join', async () => {
    const r = await relay({ limits: { idleTimeoutMs: 200, joinTimeoutMs: 200 } });
    const silent = raw(r.url);
    await silent.opened;
    const idle = raw(r.url);
    await idle.join();
    expect(await silent.closed()).toBe(4012);
    expect(await idle.closed()).toBe(4011);
    expect(silent.errors().map((e) => e.code)).toEqual(['join-timeout']);
    expect(idle.errors().map((e) => e.code)).toEqual(['idle-timeout']);
  });

  it('enforces max connections, max rooms and max peers per room with their codes', async () => {
    const r = await relay({ limits: { maxConnections: 3, maxRooms: 1, maxPeersPerRoom: 1 } });
    const a = raw(r.url);
    await a.join('room-1', 'a');
    const b = raw(r.url);
    await expect(b.join('room-1', 'b')).rejects.toThrow(/room-full/);
    expect(await b.closed()).toBe(4004);
    const c = raw(r.url);
    await expect(c.join('room-2', 'c')).rejects.toThrow(/too-many-rooms/);
    expect(await c.closed()).toBe(4005);
    await until(() => r.metrics().connections === 1);
    const d = raw(r.url);
    const e = raw(r.url);
    const f = raw(r.url);
    await Promise.all([d.opened, e.opened, f.opened]);
    expect(await f.closed()).toBe(4006);
    expect(f.errors().map((x) => x.code)).toEqual(['server-full']);
    expect(a.closeCode).toBeUndefined();
  });
});

describe('relay: tokens, HTTP, logs, tap, shutdown', () => {
  it('admits only valid, unexpired tokens for this room and peer', async () => {
    const hmacSecret = crypto.getRandomValues(new Uint8Array(32));
    const r = await relay({ tokenKey: { hmacSecret } });
    const exp = Math.floor(Date.now() / 1000) + 60;
    const good = await signJoinToken({ room: 'room-1', peer: 'pat', exp }, { hmacSecret });
    const a = raw(r.url);
    expect((await a.join('room-1', '', good)).peer).toBe('pat');
    const cases: [string, string, string][] = [
      ['room-1', 'pat', ''],
      ['room-2', '', good],
      ['room-1', 'mallory', good],
      ['room-1', '', await signJoinToken({ room: 'room-1', peer: 'pat', exp: exp - 120 }, { hmacSecret })],
      ['room-1', '', await signJoinToken({ room: 'room-1', peer: 'pat', exp }, { hmacSecret: new Uint8Array(32) })],
    ];
    for (const [room, peer, token] of cases) {
      const c = raw(r.url);
      await expect(c.join(room, peer, token)).rejects.toThrow(/join-denied/);
      expect(await c.closed()).toBe(4003);
    }
    expect(r.logs.join('\n')).not.toContain(good.split('.')[1]);
  });

  it('serves /healthz and /metrics (Prometheus and JSON)', async () => {
    const r = await relay();
    const a = raw(r.url);
    await a.join();
    const http = r.url.replace('ws:', 'http:');
    const h = await fetch(`${http}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', connections: 1 });
    const text = await (await fetch(`${http}/metrics`)).text();
    expect(text).toMatch(/^sealrtc_relay_connections 1$/m);
    expect(text).toMatch(/^sealrtc_relay_joins_total 1$/m);
    const json = (await (await fetch(`${http}/metrics?format=json`)).json()) as { rooms: number };
    expect(json.rooms).toBe(1);
  });

  it('logs JSON lines with ids and codes but never payloads; the tap sees every byte', async () => {
    const seen: { dir: string; data: Uint8Array }[] = [];
    const r = await relay({ tap: (dir, _c, data) => seen.push({ dir, data: data.slice() }) });
    const a = raw(r.url);
    const b = raw(r.url);
    await a.join('room-1', 'a');
    await b.join('room-1', 'b');
    const secret = 'SECRET-PAYLOAD-MARKER';
    a.send({ t: 'send', seq: 1, to: 'b', payload: payload(secret) });
    a.send({ t: 'send', seq: 2, to: 'nobody', payload: payload(secret) });
    await until(() => b.delivered().length === 1 && a.errors().length === 1);
    for (const line of r.logs) expect(() => JSON.parse(line)).not.toThrow();
    expect(r.logs.join('\n')).not.toContain(secret);
    const has = (dir: string): boolean => seen.some((s) => s.dir === dir && Buffer.from(s.data).includes(secret));
    expect(has('in')).toBe(true);
    expect(has('out')).toBe(true);
  });

  it('shuts down gracefully: healthz draining, GOAWAY to clients, no new connections', async () => {
    const r = await startRelay();
    const a = raw(r.url);
    await a.join();
    const closing = r.close({ drainMs: 2_000 });
    await until(() => a.frames.some((f) => f.t === 'goaway'));
    expect(await a.closed()).toBe(1001);
    await closing;
    const late = raw(r.url);
    await expect(late.opened).rejects.toThrow();
  });
});
