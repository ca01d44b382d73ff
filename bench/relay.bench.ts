/**
 * Load test of the reference relay (`npm run bench:relay`): N WebSocket clients in R rooms on
 * loopback send unicast messages to random room-mates; we report routed messages/s, p50/p99
 * latency (send → delivery, across processes on one machine) and relay memory per connection,
 * for one relay process and for two relay processes behind Redis.
 *
 * Bounded: every phase has a deadline and the whole run aborts after BENCH_MAX_S. Loopback only.
 * One script, three roles (chosen by SEALRTC_BENCH_ROLE): the driver (default), a relay
 * process, and a client process holding a share of the connections. Knobs (env):
 *   BENCH_CLIENTS=5000 BENCH_ROOMS=1000 BENCH_RATE=5 (msgs/s per client) BENCH_SECONDS=10
 *   BENCH_PAYLOAD=200 BENCH_CLIENT_PROCS=2 BENCH_MODES=single,redis BENCH_MAX_S=300
 *   BENCH_PROF=<dir> (write a CPU profile of every child process there)
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { WebSocket } from 'ws';
import { createRelayServer } from '../src/relay/index.js';
import { decodeRelayFrame, encodeClientFrame } from '../src/signaling/envelope.js';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const N = env('BENCH_CLIENTS', 5000);
const R = env('BENCH_ROOMS', 1000);
const RATE = env('BENCH_RATE', 5);
const SECONDS = env('BENCH_SECONDS', 10);
const PAYLOAD = env('BENCH_PAYLOAD', 200);
const PROCS = env('BENCH_CLIENT_PROCS', 2);
const MAX_S = env('BENCH_MAX_S', 300);
const role = process.env.SEALRTC_BENCH_ROLE ?? 'driver';
const now = (): number => performance.timeOrigin + performance.now();

type Msg = { kind: string; [k: string]: unknown };
function send(m: Msg): void {
  process.send?.(m);
}
function next(child: ChildProcess, kind: string, timeoutMs: number): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${kind}`)), timeoutMs);
    const exit = (code: number | null): void => {
      clearTimeout(t);
      reject(new Error(`child exited (${String(code)}) before ${kind}`));
    };
    const on = (m: Msg): void => {
      if (m.kind !== kind) return;
      clearTimeout(t);
      child.off('message', on);
      child.off('exit', exit);
      resolve(m);
    };
    child.on('message', on);
    child.once('exit', exit);
  });
}

async function relayRole(): Promise<void> {
  const relay = await createRelayServer({
    port: 0, redisUrl: process.env.BENCH_REDIS || undefined, logLevel: 'warn',
    limits: { maxConnections: 50_000, maxMessagesPerSec: 10_000, idleTimeoutMs: 600_000, joinTimeoutMs: 60_000 },
  });
  process.on('message', (m: Msg) => {
    if (m.kind === 'mem') {
      (globalThis as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      send({ kind: 'mem', rss: u.rss, heap: u.heapUsed, errors: relay.metrics().errors });
    } else if (m.kind === 'stop') void relay.close({ drainMs: 200 }).then(() => process.exit(0));
  });
  send({ kind: 'ready', url: relay.url });
}

async function clientRole(): Promise<void> {
  const urls = JSON.parse(process.env.BENCH_URLS ?? '[]') as string[];
  const me = Number(process.env.BENCH_PROC);
  const mine: number[] = [];
  for (let i = me; i < N; i += PROCS) mine.push(i);
  const latencies: number[] = [];
  let received = 0;
  let sent = 0;
  let socketErrors = 0;
  let lastRxAt = 0;
  let closes = 0;
  const socks = new Map<number, { ws: WebSocket; seq: number; ackTo: number; acked: number }>();
  const instance = new Uint8Array(8);
  async function open(i: number): Promise<void> {
    const ws = new WebSocket(urls[(i >> 1) % urls.length] as string, { perMessageDeflate: false });
    const c = { ws, seq: 0, ackTo: 0, acked: 0 };
    await new Promise<void>((resolve, reject) => {
      ws.on('error', (e) => {
        socketErrors++;
        reject(e);
      });
      ws.on('close', () => closes++);
      ws.on('message', (d: Buffer) => {
        const f = decodeRelayFrame(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
        if (f.t === 'welcome') resolve();
        else if (f.t === 'deliver') {
          received++;
          lastRxAt = now();
          latencies.push(now() - new DataView(f.payload.buffer, f.payload.byteOffset).getFloat64(0));
          c.ackTo = f.seq;
        } else if (f.t === 'joined' || f.t === 'left') c.ackTo = f.seq;
        else if (f.t === 'error' && f.fatal) reject(new Error(f.code));
      });
      ws.once('open', () => ws.send(encodeClientFrame({
        t: 'join', room: `room${i % R}`, peer: `p${i}`, token: new Uint8Array(),
        resumeKey: crypto.getRandomValues(new Uint8Array(16)), instance, lastDeliverySeq: 0,
      })));
    });
    socks.set(i, c);
  }
  for (let k = 0; k < mine.length; k += 100) await Promise.all(mine.slice(k, k + 100).map(open));
  send({ kind: 'ready' });
  const go = await new Promise<Msg>((r) => process.once('message', r));
  const end = Number(go.until);
  const members = Math.ceil(N / R);
  const payload = new Uint8Array(Math.max(8, PAYLOAD));
  const view = new DataView(payload.buffer);
  const tickMs = 50;
  let carry = 0;
  let lastTick = Number(go.start ?? now());
  const timer = setInterval(() => {
    const t = now();
    if (t >= end) return;
    // Offer by elapsed time, not by tick count: a lagging event loop sends bigger batches.
    carry += (mine.length * RATE * Math.max(0, t - Math.max(lastTick, end - SECONDS * 1000))) / 1000;
    lastTick = t;
    const count = Math.floor(carry);
    carry -= count;
    for (let k = 0; k < count; k++) {
      const i = mine[Math.floor(Math.random() * mine.length)] as number;
      const c = socks.get(i);
      if (!c) continue;
      let j = i;
      for (let tries = 0; tries < 8 && (j === i || j >= N); tries++) j = (i % R) + R * Math.floor(Math.random() * members);
      if (j === i || j >= N) continue;
      view.setFloat64(0, now());
      c.ws.send(encodeClientFrame({ t: 'send', seq: ++c.seq, to: `p${j}`, payload }));
      sent++;
    }
    for (const c of socks.values()) {
      if (c.ackTo > c.acked) {
        c.acked = c.ackTo;
        c.ws.send(encodeClientFrame({ t: 'ack', seq: c.ackTo }));
      }
    }
  }, tickMs);
  await new Promise((r) => setTimeout(r, Math.max(0, end - now())));
  // Drain: wait until deliveries stop (quiet for 1 s), at most 15 s.
  for (let last = -1, quietSince = now(), stop = now() + 15_000; now() < stop && now() - quietSince < 1000;) {
    await new Promise((r) => setTimeout(r, 100));
    if (received !== last) {
      last = received;
      quietSince = now();
    }
  }
  clearInterval(timer);
  for (const c of socks.values()) c.ws.terminate();
  // Exit only once the (large) result message has been handed to the IPC channel.
  process.send?.({ kind: 'done', sent, received, latencies, socketErrors, closes, lastRxAt }, () => process.exit(0));
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}

function child(roleName: string, extra: Record<string, string>): ChildProcess {
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  return spawn(process.execPath, ['--expose-gc', ...prof, process.argv[1] as string], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, SEALRTC_BENCH_ROLE: roleName, ...extra },
  });
}

const notes: string[] = [];
let baseRate = NaN;
async function runMode(mode: 'single' | 'redis'): Promise<string> {
  const kids: ChildProcess[] = [];
  try {
    let redisUrl = '';
    if (mode === 'redis') {
      const port = await freePort();
      kids.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
      redisUrl = `redis://127.0.0.1:${port}`;
      await new Promise((r) => setTimeout(r, 500));
    }
    const relays = Array.from({ length: mode === 'redis' ? 2 : 1 }, () => child('relay', { BENCH_REDIS: redisUrl }));
    kids.push(...relays);
    const urls = (await Promise.all(relays.map((r) => next(r, 'ready', 15_000)))).map((m) => String(m.url));
    const mem = async (): Promise<{ rss: number; heap: number }> => {
      const ms = await Promise.all(relays.map((r) => { r.send({ kind: 'mem' }); return next(r, 'mem', 10_000); }));
      return { rss: ms.reduce((s, m) => s + Number(m.rss), 0), heap: ms.reduce((s, m) => s + Number(m.heap), 0) };
    };
    const before = await mem();
    const t0 = now();
    const clients = Array.from({ length: PROCS }, (_, k) => child('clients', { BENCH_URLS: JSON.stringify(urls), BENCH_PROC: String(k) }));
    kids.push(...clients);
    await Promise.all(clients.map((c) => next(c, 'ready', 120_000)));
    const connectS = (now() - t0) / 1000;
    const after = await mem();
    const start = now() + 200;
    const done = clients.map((c) => next(c, 'done', (SECONDS + 120) * 1000));
    for (const c of clients) c.send({ kind: 'go', start, until: start + SECONDS * 1000 });
    const results = await Promise.all(done);
    const lat = results.flatMap((r) => r.latencies as number[]).sort((a, b) => a - b);
    const sent = results.reduce((s, r) => s + Number(r.sent), 0);
    const received = results.reduce((s, r) => s + Number(r.received), 0);
    // Routed rate over the span actually needed to deliver everything (window + any backlog drain).
    const span = (Math.max(start + SECONDS * 1000, ...results.map((r) => Number(r.lastRxAt))) - start) / 1000;
    const q = (p: number): string => (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN).toFixed(1);
    const errs = await Promise.all(relays.map((r) => { r.send({ kind: 'mem' }); return next(r, 'mem', 10_000); }));
    notes.push(`${mode}: client socket errors ${results.reduce((n, r) => n + Number(r.socketErrors), 0)}, closes ${results.reduce((n, r) => n + Number(r.closes), 0)}`);
    notes.push(`${mode}: relay error counters ${errs.map((e) => JSON.stringify(e.errors)).join(' ')}`);
    for (const r of relays) r.send({ kind: 'stop' });
    const perConn = (x: number, y: number): string => ((y - x) / N / 1024).toFixed(1);
    return `| ${mode === 'single' ? '1 process' : '2 processes + Redis'} | ${N} | ${R} | ${connectS.toFixed(1)} | ${Math.round(sent / SECONDS)} | ${Math.round(received / span)} | ${(received / Math.max(1, sent) * 100).toFixed(2)} % | ${q(0.5)} | ${q(0.99)} | ${perConn(before.rss, after.rss)} | ${perConn(before.heap, after.heap)} | ${(received / span / baseRate).toFixed(2)} |`;
  } finally {
    await new Promise((r) => setTimeout(r, 300));
    for (const k of kids) if (k.exitCode === null) k.kill('SIGKILL');
  }
}

/** Baseline in this run: one sender → one receiver through an in-process relay, as fast as acks allow. */
async function baseline(): Promise<number> {
  const relay = await createRelayServer({ port: 0, logLevel: 'warn', limits: { maxMessagesPerSec: 1e6, maxBytesPerSec: 1e9 } });
  const M = 20_000;
  let got = 0;
  const open = (peer: string, onSeq: (ws: WebSocket, seq: number) => void): Promise<WebSocket> => new Promise((resolve) => {
    const ws = new WebSocket(relay.url, { perMessageDeflate: false });
    ws.on('message', (d: Buffer) => {
      const f = decodeRelayFrame(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      if (f.t === 'welcome') resolve(ws);
      else if (f.t === 'deliver') onSeq(ws, f.seq);
    });
    ws.once('open', () => ws.send(encodeClientFrame({
      t: 'join', room: 'base', peer, token: new Uint8Array(), resumeKey: new Uint8Array(16), instance: new Uint8Array(8), lastDeliverySeq: 0,
    })));
  });
  const a = await open('a', () => undefined);
  await open('b', (ws, seq) => {
    got++;
    if (seq % 64 === 0) ws.send(encodeClientFrame({ t: 'ack', seq }));
  });
  const payload = new Uint8Array(PAYLOAD);
  const t0 = now();
  for (let i = 1; i <= M; i++) {
    a.send(encodeClientFrame({ t: 'send', seq: i, to: 'b', payload }));
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  while (got < M && now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
  const rate = got / ((now() - t0) / 1000);
  await relay.close({ drainMs: 100 });
  return rate;
}

async function driver(): Promise<void> {
  const abort = setTimeout(() => {
    console.error(`aborting: over ${MAX_S} s`);
    process.exit(1);
  }, MAX_S * 1000);
  abort.unref();
  const ulimit = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other work on this machine skews every figure)`);
  console.log(`N=${N} clients, R=${R} rooms, ${RATE} msg/s per client offered (${N * RATE}/s), ${PAYLOAD} B payloads, ${SECONDS} s, ${PROCS} client processes, ulimit -n ${ulimit}`);
  if (Number(ulimit) < N + 1000) console.log(`warning: ulimit -n ${ulimit} may be too low for ${N} connections (raise it: ulimit -n ${N * 2})`);
  baseRate = await baseline();
  console.log(`baseline (same run): 1 sender → 1 receiver through an in-process relay: ${Math.round(baseRate)} msg/s`);
  console.log('\n| relay | clients | rooms | connect s | offered msg/s | routed msg/s | delivered | p50 ms | p99 ms | RSS KiB/conn | heap KiB/conn | routed ÷ baseline |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const mode of (process.env.BENCH_MODES ?? 'single,redis').split(',') as ('single' | 'redis')[]) console.log(await runMode(mode));
  for (const n of notes) console.log(`\n${n}`);
  console.log(`\nload average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  clearTimeout(abort);
}

const main = role === 'relay' ? relayRole : role === 'clients' ? clientRole : driver;
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
