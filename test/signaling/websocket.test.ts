/**
 * WebSocketSignaling against a real relay on loopback: joining, routing, presence, typed
 * errors, and exactly-once delivery across dropped / black-holed connections.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SignalingError } from '../../src/signaling/errors.js';
import type { WebSocketSignaling } from '../../src/signaling/websocket.js';
import { connect, Proxy, startRelay, until, type TestRelay } from '../relay/helpers.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
async function relay(o: Parameters<typeof startRelay>[0] = {}): Promise<TestRelay> {
  const r = await startRelay(o);
  cleanup.push(() => r.close({ drainMs: 100 }));
  return r;
}
async function client(url: string | string[], o: Parameters<typeof connect>[1] = {}): Promise<WebSocketSignaling> {
  const c = await connect(url, o);
  cleanup.push(() => c.close());
  return c;
}
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SignalingError) return e.code;
    throw e;
  }
  return 'resolved';
}
const enc = (n: number): Uint8Array => new TextEncoder().encode(String(n));
const dec = (b: Uint8Array): number => Number(new TextDecoder().decode(b));

describe('WebSocketSignaling', () => {
  it('joins, learns presence and routes unicast and broadcast messages', async () => {
    const r = await relay();
    const a = await client(r.url, { peerId: 'alice' });
    const b = await client(r.url);
    expect(a.localId).toBe('alice');
    expect(b.localId).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect([...b.peers]).toEqual(['alice']);
    await until(() => a.peers.has(b.localId));
    const c = await client(r.url, { peerId: 'carol' });
    const got: Record<string, string[]> = { alice: [], b: [], carol: [] };
    a.onMessage((from, d) => got.alice!.push(`${from}:${dec(d)}`));
    b.onMessage((from, d) => got.b!.push(`${from}:${dec(d)}`));
    c.onMessage((from, d) => got.carol!.push(`${from}:${dec(d)}`));
    a.send(b.localId, enc(1));
    a.send('*', enc(2));
    await until(() => got.b!.length === 2 && got.carol!.length === 1);
    expect(got.b).toEqual(['alice:1', 'alice:2']);
    expect(got.carol).toEqual(['alice:2']);
    expect(got.alice).toEqual([]);
  });

  it('acks on the traffic itself: a conversation needs no ACK frames either way', async () => {
    const frames: { dir: 'in' | 'out'; type: number; ack: number }[] = [];
    const r = await relay({
      tap: (dir, _conn, d) => {
        const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
        // SEND (0x02) and DELIVER (0x82) carry the ack after their own u32 sequence number.
        const ack = d[1] === 0x02 || d[1] === 0x82 ? view.getUint32(6) : 0;
        frames.push({ dir, type: d[1] as number, ack });
      },
    });
    const a = await client(r.url, { peerId: 'alice' });
    const b = await client(r.url, { peerId: 'bob' });
    await until(() => a.peers.has('bob'));
    const gotA: unknown[] = [];
    const gotB: unknown[] = [];
    a.onMessage((_f, d) => gotA.push(dec(d)));
    b.onMessage((_f, d) => {
      gotB.push(dec(d));
      b.send('alice', enc(gotB.length)); // reply at once
    });
    frames.length = 0;
    for (let i = 1; i <= 10; i++) {
      a.send('bob', enc(i));
      await until(() => gotA.length === i);
    }
    expect(gotB).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const sends = frames.filter((f) => f.dir === 'in' && f.type === 0x02);
    const delivers = frames.filter((f) => f.dir === 'out' && f.type === 0x82);
    expect(sends).toHaveLength(20);
    expect(delivers).toHaveLength(20);
    // Every SEND acks a delivery (alice's first: bob's arrival); every DELIVER but the first (bob
    // had sent nothing yet) acks a SEND of its recipient.
    expect(sends.map((f) => f.ack > 0)).toEqual(sends.map(() => true));
    expect(delivers.slice(1).map((f) => f.ack > 0)).toEqual(delivers.slice(1).map(() => true));
    // Within the exchange, no ACK frame went either way (0x03 from clients, 0x83 from the relay).
    expect(frames.filter((f) => f.type === 0x03 || f.type === 0x83)).toEqual([]);
  });

  it('reports a peer that leaves with close() at once, and close() is idempotent', async () => {
    const r = await relay({ limits: { resumeGraceMs: 60_000 } });
    const a = await client(r.url, { peerId: 'a' });
    const b = await client(r.url, { peerId: 'b' });
    const left: string[] = [];
    a.onPeerLeft((p) => left.push(p));
    b.close();
    b.close();
    expect(b.state).toBe('closed');
    expect(() => b.send('a', enc(1))).toThrow(expect.objectContaining({ code: 'closed' }));
    await until(() => left.length === 1);
    expect(left).toEqual(['b']);
  });

  it('fails with typed codes: relay-unreachable, join-denied, room-full, peer-id-taken, message-too-large', async () => {
    const r = await relay({ limits: { maxPeersPerRoom: 1, maxPayloadBytes: 100 }, tokenKey: undefined });
    const dead = await startRelay();
    const deadUrl = dead.url;
    await dead.close();
    expect(await codeOf(connect(deadUrl, { connectTimeoutMs: 500, reconnect: { minDelayMs: 20 } }))).toBe('relay-unreachable');
    const a = await client(r.url, { peerId: 'a' });
    expect(await codeOf(connect(r.url, { peerId: 'b' }))).toBe('room-full');
    expect(await codeOf(connect(r.url, { peerId: 'a', roomId: 'other' }))).toBe('resolved');
    expect(() => a.send('*', new Uint8Array(101))).toThrow(expect.objectContaining({ code: 'message-too-large' }));
    const r2 = await relay();
    await client(r2.url, { peerId: 'x' });
    expect(await codeOf(connect(r2.url, { peerId: 'x' }))).toBe('peer-id-taken');
    const ac = new AbortController();
    ac.abort();
    expect(await codeOf(connect(r2.url, { signal: ac.signal }))).toBe('aborted');
  });

  it('surfaces a dropped message as a non-fatal error event (unknown-target)', async () => {
    const r = await relay();
    const a = await client(r.url);
    const errors: string[] = [];
    a.on('error', (e) => errors.push(e.code));
    a.send('nobody', enc(1));
    await until(() => errors.length === 1);
    expect(errors).toEqual(['unknown-target']);
    expect(a.state).toBe('open');
  });

  it('delivers exactly once, in order, across repeated TCP drops, without presence blips', async () => {
    const r = await relay({ limits: { resumeGraceMs: 10_000, maxMessagesPerSec: 10_000 } });
    const proxy = new Proxy(r.port);
    const url = await proxy.listen();
    cleanup.push(() => proxy.close());
    const fast = { minDelayMs: 5, maxDelayMs: 50 };
    const a = await client(url, { peerId: 'a', reconnect: fast });
    const b = await client(url, { peerId: 'b', reconnect: fast });
    const got: number[] = [];
    const bcast: number[] = [];
    b.onMessage((from, d) => (from === 'a' ? got : bcast).push(dec(d)));
    const presence: string[] = [];
    a.on('peer-left', (p) => presence.push(`left:${p}`));
    b.on('peer-left', (p) => presence.push(`left:${p}`));
    const states: string[] = [];
    b.on('state', (s) => states.push(s));
    const N = 600;
    for (let i = 1; i <= N; i++) {
      a.send('b', enc(i));
      if (i % 100 === 0) {
        proxy.dropAll();
        await new Promise((res) => setTimeout(res, 15));
      }
      if (i % 7 === 0) await new Promise((res) => setImmediate(res));
    }
    await until(() => got.length >= N, 20_000, 'all messages');
    await new Promise((res) => setTimeout(res, 200));
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(proxy.drops).toBe(6);
    expect(states).toContain('reconnecting');
    expect(presence).toEqual([]);
    expect(a.state).toBe('open');
    expect(b.state).toBe('open');
  });

  it('detects a black-holed link by heartbeat, reconnects and resumes', async () => {
    const r = await relay({ limits: { resumeGraceMs: 10_000 } });
    const proxy = new Proxy(r.port);
    const url = await proxy.listen();
    cleanup.push(() => proxy.close());
    const b = await client(url, { peerId: 'b', heartbeatMs: 100, reconnect: { minDelayMs: 5, maxDelayMs: 20 } });
    const a = await client(r.url, { peerId: 'a' });
    const got: number[] = [];
    b.onMessage((_f, d) => got.push(dec(d)));
    proxy.blackholed = true;
    a.send('b', enc(1));
    await until(() => b.state === 'reconnecting', 5_000, 'dead link noticed');
    proxy.dropAll();
    proxy.blackholed = false;
    await until(() => got.length === 1, 5_000, 'resumed delivery');
    expect(got).toEqual([1]);
  });

  it('reports a peer gone only after the grace period when it does not come back', async () => {
    const r = await relay({ limits: { resumeGraceMs: 300 } });
    const proxy = new Proxy(r.port);
    const url = await proxy.listen();
    cleanup.push(() => proxy.close());
    const a = await client(r.url, { peerId: 'a' });
    const b = await client(url, { peerId: 'b', reconnect: { minDelayMs: 5, maxDelayMs: 20, giveUpAfterMs: 60_000 } });
    const left: string[] = [];
    a.onPeerLeft((p) => left.push(p));
    proxy.blocked = true;
    proxy.dropAll();
    await until(() => b.state === 'reconnecting');
    expect(left).toEqual([]); // still within grace: a blip, not a departure
    await until(() => left.length === 1, 5_000, 'peer-left after grace');
    expect(left).toEqual(['b']);
    // b comes back after its session expired: it gets a fresh session and a is told it joined.
    const joined: string[] = [];
    a.on('peer-joined', (p) => joined.push(p));
    proxy.blocked = false;
    await until(() => b.state === 'open' && joined.length === 1, 5_000, 'rejoin');
    expect([...b.peers]).toEqual(['a']);
  });

  it('closes with relay-unreachable once the reconnect budget is spent', async () => {
    const r = await relay();
    const proxy = new Proxy(r.port);
    const url = await proxy.listen();
    cleanup.push(() => proxy.close());
    const b = await client(url, { reconnect: { minDelayMs: 5, maxDelayMs: 20, giveUpAfterMs: 200 } });
    const reasons: (string | undefined)[] = [];
    b.on('closed', (e) => reasons.push(e?.code));
    proxy.blocked = true;
    proxy.dropAll();
    await until(() => reasons.length === 1);
    expect(reasons).toEqual(['relay-unreachable']);
    expect(b.state).toBe('closed');
  });
});
