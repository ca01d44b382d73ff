/**
 * The multi-core relay (`createRelayCluster`, `sealrtc-relay --workers N`): a primary that hands
 * each connection, after its JOIN, to the worker process owning the room. Real worker processes
 * (the worker entry bundled from sources), real sockets, loopback only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelayCluster, RelayError, type RelayCluster, type RelayClusterOptions } from '../../src/relay/index.js';
import { roomShard } from '../../src/relay/cluster.js';
import { decodeRelayFrame, encodeClientFrame, type RelayFrame } from '../../src/signaling/envelope.js';
import type { WebSocketSignaling } from '../../src/signaling/websocket.js';
import { connect, Proxy, RawClient, until } from './helpers.js';
import { relayWorkerScript, startRelayProcess } from './processes.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function cluster(o: RelayClusterOptions = {}): Promise<RelayCluster & { logs: string[] }> {
  const logs: string[] = [];
  const r = await createRelayCluster({
    port: 0, workers: 2, workerScript: await relayWorkerScript(), logLevel: 'debug', logSink: (l) => logs.push(l), ...o,
    limits: { maxMessagesPerSec: 10_000, ...o.limits },
  });
  cleanup.push(() => r.close({ drainMs: 200 }));
  return Object.assign(r, { logs });
}
async function client(url: string, o: Parameters<typeof connect>[1]): Promise<WebSocketSignaling> {
  const c = await connect(url, { reconnect: { minDelayMs: 5, maxDelayMs: 50 }, ...o });
  cleanup.push(() => c.close());
  return c;
}
function raw(url: string): RawClient {
  const c = new RawClient(url);
  cleanup.push(() => c.ws.terminate());
  return c;
}
const enc = (n: number): Uint8Array => new TextEncoder().encode(String(n));
const dec = (b: Uint8Array): number => Number(new TextDecoder().decode(b));
/** Room ids that land on worker 0 and on worker 1 of two. */
const rooms = Array.from({ length: 40 }, (_, i) => `visit-${i}`);
const onShard = (k: number): string[] => rooms.filter((r) => roomShard(r, 2) === k);

describe('createRelayCluster', () => {
  it('routes every room on its own worker, and sums the workers in /metrics and /healthz', async () => {
    const r = await cluster();
    expect(r.workers).toBe(2);
    expect(r.workerPids()).toHaveLength(2);
    const used = [...onShard(0).slice(0, 3), ...onShard(1).slice(0, 3)];
    const got = new Map<string, string[]>();
    const members: WebSocketSignaling[] = [];
    for (const room of used) {
      for (const p of ['a', 'b', 'c']) {
        const s = await client(r.url, { roomId: room, peerId: p });
        s.onMessage((from, d) => got.set(`${room}/${p}`, [...(got.get(`${room}/${p}`) ?? []), `${from}:${dec(d)}`]));
        members.push(s);
      }
    }
    members.forEach((s, k) => s.send('*', enc(k)));
    await until(() => [...got.values()].reduce((n, xs) => n + xs.length, 0) === used.length * 6, 10_000, 'broadcasts');
    used.forEach((room, i) => {
      expect(got.get(`${room}/a`)?.sort()).toEqual([`b:${3 * i + 1}`, `c:${3 * i + 2}`]);
      expect(got.get(`${room}/c`)?.sort()).toEqual([`a:${3 * i}`, `b:${3 * i + 1}`]);
    });
    const m = await r.fetchMetrics();
    expect(m).toMatchObject({ rooms: 6, sessions: 18, connections: 18, joins: 18, messagesRouted: 36 });
    const json = await (await fetch(`${r.url.replace('ws:', 'http:')}/metrics?format=json`)).json() as { rooms: number };
    expect(json.rooms).toBe(6);
    expect(await (await fetch(`${r.url.replace('ws:', 'http:')}/metrics`)).text()).toContain('sealrtc_relay_rooms 6');
    expect(await (await fetch(`${r.url.replace('ws:', 'http:')}/healthz`)).json()).toMatchObject({ status: 'ok', connections: 18 });
  });

  it('loses no byte a client sends right behind its JOIN (same TCP segment, or split mid-frame)', async () => {
    const r = await cluster();
    const { port } = new URL(r.url);
    const join = (peer: string): Uint8Array => encodeClientFrame({
      t: 'join', room: onShard(1)[0] as string, peer, token: new Uint8Array(), resumeKey: new Uint8Array(16), instance: new Uint8Array(8), lastDeliverySeq: 0,
    });
    const frame = (op: number, p: Uint8Array): Buffer => Buffer.concat([Buffer.from([0x80 | op, 0x80 | p.length, 1, 2, 3, 4]), Buffer.from(p.map((b, i) => b ^ [1, 2, 3, 4][i & 3]!))]);
    for (const split of [false, true]) {
      const sock: Socket = connectTcp(Number(port), '127.0.0.1');
      cleanup.push(() => sock.destroy());
      let acc = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => (acc = Buffer.concat([acc, d])));
      sock.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      await until(() => acc.includes('\r\n\r\n'), 5_000, '101');
      acc = acc.subarray(acc.indexOf('\r\n\r\n') + 4);
      // The JOIN, a WebSocket ping and half of an application ping, then the rest.
      const bytes = Buffer.concat([frame(2, join(split ? 'y' : 'x')), frame(9, new Uint8Array([7, 7])), frame(2, encodeClientFrame({ t: 'ping' }))]);
      const cut = bytes.length - 3;
      if (split) {
        sock.write(bytes.subarray(0, 10)); // not even the JOIN is complete yet
        await new Promise((res) => setTimeout(res, 30));
        sock.write(bytes.subarray(10, cut));
      } else sock.write(bytes.subarray(0, cut));
      await new Promise((res) => setTimeout(res, 30));
      sock.write(bytes.subarray(cut));
      const frames = (): [number, Buffer][] => {
        const out: [number, Buffer][] = [];
        for (let at = 0; at + 2 <= acc.length;) {
          const len = (acc[at + 1] as number) & 0x7f; // all short here
          out.push([(acc[at] as number) & 0x0f, acc.subarray(at + 2, at + 2 + len)]);
          at += 2 + len;
        }
        return out;
      };
      await until(() => frames().length >= 3, 5_000, 'welcome, pong, pong');
      const f = frames();
      const relayFrames = f.filter(([op]) => op === 2).map(([, p]) => decodeRelayFrame(new Uint8Array(p)).t);
      expect(relayFrames).toEqual(['welcome', 'pong']);
      expect(f.find(([op]) => op === 0xa)?.[1]).toEqual(Buffer.from([7, 7]));
      sock.destroy();
    }
  });

  it('resumes across connection drops exactly once, in order: a reconnect lands on the same worker', async () => {
    const r = await cluster({ limits: { resumeGraceMs: 10_000 } });
    const proxy = new Proxy(r.port);
    const url = await proxy.listen();
    cleanup.push(() => proxy.close());
    const room = onShard(1)[0] as string;
    const a = await client(url, { roomId: room, peerId: 'a' });
    const b = await client(url, { roomId: room, peerId: 'b' });
    const got: number[] = [];
    b.onMessage((_from, d) => got.push(dec(d)));
    const left: string[] = [];
    b.on('peer-left', (p) => left.push(p));
    for (let i = 1; i <= 300; i++) {
      a.send('b', enc(i));
      if (i % 100 === 0) {
        proxy.dropAll();
        await new Promise((res) => setTimeout(res, 15));
      }
      if (i % 7 === 0) await new Promise((res) => setImmediate(res));
    }
    await until(() => got.length >= 300, 20_000, 'all messages');
    await new Promise((res) => setTimeout(res, 200));
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(left).toEqual([]);
    expect((await r.fetchMetrics()).resumes).toBeGreaterThanOrEqual(6);
  });

  it('answers a bad first message from a worker with the usual code, and a missing JOIN from the primary', async () => {
    const r = await cluster({ limits: { joinTimeoutMs: 300 } });
    const text = raw(r.url);
    await text.opened;
    text.ws.send('hello');
    expect(await text.closed()).toBe(1003);
    const early = raw(r.url);
    await early.opened;
    early.send({ t: 'ack', seq: 1 });
    expect(await early.closed()).toBe(4001);
    expect(early.errors()).toEqual([{ code: 'not-joined', fatal: true, seq: 0 }]);
    const garbage = raw(r.url);
    await garbage.opened;
    garbage.ws.send(new Uint8Array([0xff, 0x00]));
    expect(await garbage.closed()).toBe(4000);
    const silent = raw(r.url);
    await silent.opened;
    expect(await silent.closed()).toBe(4012);
    expect(silent.errors()).toEqual([{ code: 'join-timeout', fatal: true, seq: 0 }]);
  });

  it('holds no more connections without a JOIN than maxConnections (server-full)', async () => {
    const r = await cluster({ limits: { maxConnections: 2 } });
    const waiting = [raw(r.url), raw(r.url)];
    await Promise.all(waiting.map((c) => c.opened));
    await until(() => r.metrics().connections === 2, 5_000, 'two pending');
    const third = raw(r.url);
    expect(await third.closed()).toBe(4006);
    expect(third.errors()).toEqual([{ code: 'server-full', fatal: true, seq: 0 }]);
    await waiting[0]?.join(rooms[0] as string, 'a'); // the first ones are still served
  });

  it('replaces a worker that dies; its rooms work again on the replacement', async () => {
    const r = await cluster();
    const room = onShard(0)[0] as string;
    const a = raw(r.url);
    await a.join(room, 'a');
    const [first] = r.workerPids();
    process.kill(first as number, 'SIGKILL');
    expect(await a.closed()).toBe(1006);
    await until(() => r.logs.some((l) => l.includes('"worker-exited"')), 5_000, 'exit logged');
    await until(() => r.workerPids().length === 2 && !r.workerPids().includes(first as number), 10_000, 'replacement');
    // A connection racing the restart may be cut (the client retries); after it, the room works.
    let b: RawClient | undefined;
    for (let k = 0; k < 50 && !b; k++) {
      const c = raw(r.url);
      await c.join(room, 'b').then(() => (b = c), () => new Promise((res) => setTimeout(res, 100)));
    }
    const c = raw(r.url);
    await c.join(room, 'c');
    c.send({ t: 'send', seq: 1, ack: 0, to: 'b', payload: enc(42) });
    await until(() => (b?.delivered().length ?? 0) === 1, 5_000, 'delivery');
    expect(dec(b?.delivered()[0]?.payload as Uint8Array)).toBe(42);
  });

  it('drains on close: every client is told to go away, the workers exit, close is idempotent', async () => {
    const r = await cluster();
    const clients = [raw(r.url), raw(r.url), raw(r.url)];
    await Promise.all(clients.map((c, k) => c.join(rooms[k] as string, 'p')));
    const waiting = raw(r.url); // connected, no JOIN yet: the primary tells it
    await waiting.opened;
    const pids = r.workerPids();
    await Promise.all([r.close({ drainMs: 2_000 }), r.close()]);
    for (const c of [...clients, waiting]) {
      expect(await c.closed()).toBe(1001);
      expect(c.frames.some((f: RelayFrame) => f.t === 'goaway')).toBe(true);
    }
    expect(r.workerPids()).toEqual([]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('createRelayCluster start-up failures', () => {
  it('throws typed errors: a taken port (listen-failed), a worker that cannot start (worker-failed), a bad count', async () => {
    const r = await cluster();
    const err = await createRelayCluster({ port: r.port, workers: 1, workerScript: await relayWorkerScript(), logLevel: 'silent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).code).toBe('listen-failed');
    const dir = mkdtempSync(join(tmpdir(), 'sealrtc-worker-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, 'process.exit(3);\n');
    const err2 = await createRelayCluster({ port: 0, workers: 2, workerScript: broken, logLevel: 'silent' }).catch((e: unknown) => e);
    expect((err2 as RelayError).code).toBe('worker-failed');
    await expect(createRelayCluster({ workers: 0 })).rejects.toThrow(RangeError);
  });
});

describe('sealrtc-relay --workers', () => {
  it('serves rooms from worker processes and exits cleanly on SIGTERM', async () => {
    const p = await startRelayProcess(['--workers', '2', '--log-level', 'warn']);
    cleanup.push(() => {
      if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    });
    const [room0, room1] = [onShard(0)[0] as string, onShard(1)[0] as string];
    const a = raw(p.url);
    const b = raw(p.url);
    const c = raw(p.url);
    await Promise.all([a.join(room0, 'a'), b.join(room0, 'b'), c.join(room1, 'c')]);
    a.send({ t: 'send', seq: 1, ack: 0, to: '*', payload: enc(1) });
    await until(() => b.delivered().length === 1, 5_000, 'delivery');
    expect(c.delivered()).toEqual([]);
    p.proc.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(await a.closed()).toBe(1001);
  });
});
