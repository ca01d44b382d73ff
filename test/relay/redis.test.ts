/**
 * Scale-out through Redis: two relay *processes* (the real CLI) share rooms via a
 * `redis-server` this test starts on a loopback port. One process is killed (SIGKILL) or
 * stopped (SIGTERM) mid-stream: its peers resume on the other and nothing is lost or doubled;
 * peers that do not come back are reported gone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocketSignaling } from '../../src/signaling/websocket.js';
import { connect, RawClient, until } from './helpers.js';
import { startRedis, startRelayProcess, type Child } from './processes.js';

let redis: { url: string; child: Child };
const cleanup: (() => unknown)[] = [];
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  redis.child.proc.kill('SIGKILL');
  await redis.child.exited;
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function relayProc(extra: string[] = []): Promise<Child & { url: string }> {
  const p = await startRelayProcess(['--redis', redis.url, '--redis-node-ttl-ms', '600', '--log-level', 'warn', '--max-messages-per-sec', '10000', ...extra]);
  cleanup.push(async () => {
    if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await p.exited;
  });
  return p;
}
async function client(url: string | string[], o: Parameters<typeof connect>[1]): Promise<WebSocketSignaling> {
  const c = await connect(url, { reconnect: { minDelayMs: 10, maxDelayMs: 100 }, ...o });
  cleanup.push(() => c.close());
  return c;
}
const enc = (n: number): Uint8Array => new TextEncoder().encode(String(n));
const dec = (b: Uint8Array): number => Number(new TextDecoder().decode(b));

describe('relay scale-out over Redis', () => {
  it('puts peers on different relay processes in the same room', async () => {
    const [p1, p2] = await Promise.all([relayProc(), relayProc()]);
    const a = await client(p1.url, { peerId: 'a', roomId: 'shared' });
    const b = await client(p2.url, { peerId: 'b', roomId: 'shared' });
    expect([...b.peers]).toEqual(['a']);
    await until(() => a.peers.has('b'), 5_000, 'a sees b');
    const c = await client(p1.url, { peerId: 'c', roomId: 'shared' });
    const got: string[] = [];
    for (const [name, s] of [['a', a], ['b', b], ['c', c]] as const) s.onMessage((from, d) => got.push(`${from}>${name}:${dec(d)}`));
    b.send('a', enc(1));
    b.send('*', enc(2));
    a.send('b', enc(3));
    c.send('*', enc(4));
    await until(() => got.length === 6, 5_000, 'routing');
    expect(got.sort()).toEqual(['a>b:3', 'b>a:1', 'b>a:2', 'b>c:2', 'c>a:4', 'c>b:4'].sort());
    // Unknown targets are still detected across processes.
    const errs: string[] = [];
    b.on('error', (e) => errs.push(e.code));
    b.send('nobody', enc(5));
    await until(() => errs.length === 1);
    expect(errs).toEqual(['unknown-target']);
  });

  it('shares rooms between a multi-core relay (--workers 2, every worker a Redis node) and a single process', async () => {
    const [multi, single] = await Promise.all([relayProc(['--workers', '2']), relayProc()]);
    const got: string[] = [];
    // Rooms that hash to both workers of the multi-core relay (1, 0, 1, 0).
    for (const room of ['visit-0', 'visit-1', 'visit-2', 'visit-3']) {
      const a = await client(multi.url, { peerId: 'a', roomId: room });
      const b = await client(single.url, { peerId: 'b', roomId: room });
      await until(() => a.peers.has('b'), 5_000, 'a sees b');
      a.onMessage((from, d) => got.push(`${room}:${from}>a:${dec(d)}`));
      b.onMessage((from, d) => got.push(`${room}:${from}>b:${dec(d)}`));
      a.send('b', enc(1));
      b.send('*', enc(2));
    }
    await until(() => got.length === 8, 5_000, 'routing');
    expect(got.sort()).toEqual(['visit-0', 'visit-1', 'visit-2', 'visit-3'].flatMap((r) => [`${r}:a>b:1`, `${r}:b>a:2`]).sort());
  });

  it('survives a relay process dying: its peers resume elsewhere exactly once; the rest are reported gone', async () => {
    const [p1, p2] = await Promise.all([relayProc(), relayProc()]);
    const b = await client(p2.url, { peerId: 'b', roomId: 'r' });
    const a = await client([p1.url, p2.url], { peerId: 'a', roomId: 'r' });
    const ghost = new RawClient(p1.url); // a peer on p1 that will not come back
    cleanup.push(() => ghost.ws.terminate());
    await ghost.join('r', 'ghost');
    await until(() => b.peers.has('a') && b.peers.has('ghost'), 5_000, 'presence');
    const got: number[] = [];
    b.onMessage((from, d) => {
      if (from === 'a') got.push(dec(d));
    });
    const left: string[] = [];
    b.onPeerLeft((p) => left.push(p));
    const N = 400;
    for (let i = 1; i <= N; i++) {
      a.send('b', enc(i));
      if (i === 150) p1.proc.kill('SIGKILL');
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => got.length >= N, 20_000, 'every message after the crash');
    await until(() => left.includes('ghost'), 10_000, 'ghost reported gone');
    await new Promise((r) => setTimeout(r, 1_500)); // two TTLs: any late duplicate or wrong departure shows up
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(left).toEqual(['ghost']);
    expect(a.state).toBe('open');
    expect([...b.peers]).toEqual(['a']);
    // And the resumed peer still receives.
    const back: number[] = [];
    a.onMessage((_f, d) => back.push(dec(d)));
    b.send('a', enc(7));
    await until(() => back.length === 1);
    expect(back).toEqual([7]);
  });

  it('drains on SIGTERM: clients move to the other process without presence blips', async () => {
    const [p1, p2] = await Promise.all([relayProc(), relayProc()]);
    const a = await client([p1.url, p2.url], { peerId: 'a', roomId: 'g' });
    const b = await client(p2.url, { peerId: 'b', roomId: 'g' });
    await until(() => a.peers.has('b'));
    const left: string[] = [];
    b.onPeerLeft((p) => left.push(p));
    const got: number[] = [];
    b.onMessage((_f, d) => got.push(dec(d)));
    p1.proc.kill('SIGTERM');
    expect(await p1.exited).toBe(0);
    a.send('b', enc(1));
    await until(() => got.length === 1, 5_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(got).toEqual([1]);
    expect(left).toEqual([]);
  });
});
