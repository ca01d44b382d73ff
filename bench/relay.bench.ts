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
 *   BENCH_RATES=1,2,3,4,5 (a load curve: one run per per-client rate, each mode) BENCH_TICK_MS=5
 *   BENCH_PROF=<dir> (write a CPU profile of every child process there)
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { WebSocket } from 'ws';
import { createRelayServer } from '../src/relay/index.js';
import { ACK_DELAY_MS, ACK_EVERY, decodeRelayFrame, encodeClientFrame } from '../src/signaling/envelope.js';

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
/** CPU seconds this process has used, and when (to give each process's share of a core). */
const cpuNow = (): { cpuS: number; at: number } => {
  const u = process.cpuUsage();
  return { cpuS: (u.user + u.system) / 1e6, at: now() };
};

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

/** BENCH_PROF_RELAY=<file>: a CPU profile of the relay over the load window only (not the connects). */
function relayProfiler(): { start(): Promise<void>; stop(file: string): Promise<void> } {
  let session: import('node:inspector').Session | undefined;
  const post = (method: string, params?: object): Promise<any> => new Promise((ok, fail) => session?.post(method, params ?? {}, (e, r) => (e ? fail(e) : ok(r))));
  return {
    async start() {
      const { Session } = await import('node:inspector');
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
    },
    async stop(file) {
      if (!session) return;
      const { profile } = await post('Profiler.stop');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      session = undefined;
    },
  };
}

async function relayRole(): Promise<void> {
  const relay = await createRelayServer({
    port: 0, redisUrl: process.env.BENCH_REDIS || undefined, logLevel: 'warn',
    limits: { maxConnections: 50_000, maxMessagesPerSec: 10_000, idleTimeoutMs: 600_000, joinTimeoutMs: 60_000 },
  });
  const profiler = relayProfiler();
  process.on('message', async (m: Msg) => {
    if (m.kind === 'mem') {
      const loop = cpuNow(); // before the forced GC below
      if (process.env.BENCH_PROF_RELAY) await profiler.stop(process.env.BENCH_PROF_RELAY);
      (globalThis as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      send({ kind: 'mem', rss: u.rss, heap: u.heapUsed, errors: relay.metrics().errors, loop });
    } else if (m.kind === 'mark') {
      if (process.env.BENCH_PROF_RELAY) await profiler.start();
      send({ kind: 'mark', loop: cpuNow() });
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
  // Acks as WebSocketSignaling sends them (the same cumulative policy the relay uses for SENDs):
  // one every ACK_EVERY deliveries, else ACK_DELAY_MS after the first unacked one.
  type Sock = { ws: WebSocket; seq: number; ackTo: number; acked: number; owedSince: number };
  const socks = new Map<number, Sock>();
  const owing = new Set<Sock>();
  const ack = (c: Sock): void => {
    owing.delete(c);
    c.acked = c.ackTo;
    c.ws.send(encodeClientFrame({ t: 'ack', seq: c.ackTo }));
  };
  const delivered = (c: Sock, seq: number): void => {
    c.ackTo = seq;
    if (c.ackTo - c.acked >= ACK_EVERY) ack(c);
    else if (!owing.has(c)) {
      c.owedSince = now();
      owing.add(c);
    }
  };
  const instance = new Uint8Array(8);
  async function open(i: number): Promise<void> {
    const ws = new WebSocket(urls[(i >> 1) % urls.length] as string, { perMessageDeflate: false });
    const c: Sock = { ws, seq: 0, ackTo: 0, acked: 0, owedSince: 0 };
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
          delivered(c, f.seq);
        } else if (f.t === 'joined' || f.t === 'left') delivered(c, f.seq);
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
  const atGo = cpuNow();
  const end = Number(go.until);
  const members = Math.ceil(N / R);
  const payload = new Uint8Array(Math.max(8, PAYLOAD));
  const view = new DataView(payload.buffer);
  // Small ticks: sends spread over the second as independent clients' would be, not in bursts.
  const tickMs = Number(process.env.BENCH_TICK_MS ?? 5);
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
    for (const c of owing) {
      if (t - c.owedSince < ACK_DELAY_MS) break; // the set is in owedSince order
      ack(c);
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
  const fin = cpuNow();
  const loop = { ...fin, cpuS: fin.cpuS - atGo.cpuS, wallS: (fin.at - atGo.at) / 1000 };
  process.send?.({ kind: 'done', sent, received, latencies, socketErrors, closes, lastRxAt, loop }, () => process.exit(0));
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

/** Busy and total jiffies of the whole machine (Linux /proc/stat), or undefined elsewhere. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

const notes: string[] = [];
let baseRate = NaN;
async function runMode(mode: 'single' | 'redis', rate: number): Promise<string> {
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
    const clients = Array.from({ length: PROCS }, (_, k) => child('clients', { BENCH_URLS: JSON.stringify(urls), BENCH_PROC: String(k), BENCH_RATE: String(rate) }));
    kids.push(...clients);
    await Promise.all(clients.map((c) => next(c, 'ready', 120_000)));
    const connectS = (now() - t0) / 1000;
    const after = await mem();
    const marks = await Promise.all(relays.map((r) => { r.send({ kind: 'mark' }); return next(r, 'mark', 10_000); }));
    const cpu0 = machineCpu();
    const start = now() + 200;
    const done = clients.map((c) => next(c, 'done', (SECONDS + 120) * 1000));
    for (const c of clients) c.send({ kind: 'go', start, until: start + SECONDS * 1000 });
    const results = await Promise.all(done);
    const cpu1 = machineCpu();
    const lat = results.flatMap((r) => r.latencies as number[]).sort((a, b) => a - b);
    const sent = results.reduce((s, r) => s + Number(r.sent), 0);
    const received = results.reduce((s, r) => s + Number(r.received), 0);
    // Routed rate over the span actually needed to deliver everything (window + any backlog drain).
    const span = (Math.max(start + SECONDS * 1000, ...results.map((r) => Number(r.lastRxAt))) - start) / 1000;
    const q = (p: number): string => (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN).toFixed(1);
    const errs = await Promise.all(relays.map((r) => { r.send({ kind: 'mem' }); return next(r, 'mem', 10_000); }));
    notes.push(`${mode} @ ${rate}/client/s: client socket errors ${results.reduce((n, r) => n + Number(r.socketErrors), 0)}, closes ${results.reduce((n, r) => n + Number(r.closes), 0)}`);
    notes.push(`${mode} @ ${rate}/client/s: relay error counters ${errs.map((e) => JSON.stringify(e.errors)).join(' ')}`);
    type Loop = { cpuS: number; at: number; wallS?: number };
    // CPU share of one core, each process over its own measured interval (relay: mark → after the
    // drain; clients: go → after the drain).
    const relayShare = errs.map((e, k) => {
      const [a, b] = [marks[k]?.loop as Loop, e.loop as Loop];
      return (b.cpuS - a.cpuS) / ((b.at - a.at) / 1000);
    });
    const clientShare = results.map((r) => (r.loop as Loop).cpuS / ((r.loop as Loop).wallS ?? span));
    const relayCpu = relayShare.reduce((x, y) => x + y, 0) * 100;
    const clientCpu = clientShare.reduce((x, y) => x + y, 0) * 100;
    const pct = (x: number | undefined): string => `${((x ?? NaN) * 100).toFixed(0)} %`;
    const machine = cpu0 && cpu1 ? `${(((cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total)) * 100).toFixed(0)} % busy` : 'n/a';
    notes.push(`${mode} @ ${rate}/client/s: whole machine (all cores, kernel included) ${machine}; CPU of one core: relay ${relayShare.map(pct).join(' + ')}, clients ${clientShare.map(pct).join(' + ')}`);
    for (const r of relays) r.send({ kind: 'stop' });
    const perConn = (x: number, y: number): string => ((y - x) / N / 1024).toFixed(1);
    return `| ${mode === 'single' ? '1 process' : '2 processes + Redis'} | ${N} | ${R} | ${connectS.toFixed(1)} | ${Math.round(sent / SECONDS)} | ${Math.round(received / span)} | ${(received / Math.max(1, sent) * 100).toFixed(2)} % | ${q(0.5)} | ${q(0.99)} | ${relayCpu.toFixed(0)} % | ${clientCpu.toFixed(0)} % | ${perConn(before.rss, after.rss)} | ${perConn(before.heap, after.heap)} | ${(received / span / baseRate).toFixed(2)} |`;
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
  const rates = (process.env.BENCH_RATES ?? String(RATE)).split(',').map(Number);
  console.log(`N=${N} clients, R=${R} rooms, ${rates.join(', ')} msg/s per client offered (× ${N}), ${PAYLOAD} B payloads, ${SECONDS} s, ${PROCS} client processes, ulimit -n ${ulimit}`);
  if (Number(ulimit) < N + 1000) console.log(`warning: ulimit -n ${ulimit} may be too low for ${N} connections (raise it: ulimit -n ${N * 2})`);
  baseRate = await baseline();
  console.log(`baseline (same run): 1 sender → 1 receiver through an in-process relay: ${Math.round(baseRate)} msg/s`);
  console.log('\nCPU columns: % of one core over the delivery span (relay processes summed; both client processes summed). The machine has 200 %.');
  console.log('\n| relay | clients | rooms | connect s | offered msg/s | routed msg/s | delivered | p50 ms | p99 ms | relay CPU | clients CPU | RSS KiB/conn | heap KiB/conn | routed ÷ baseline |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const mode of (process.env.BENCH_MODES ?? 'single,redis').split(',') as ('single' | 'redis')[]) {
    for (const rate of rates) console.log(await runMode(mode, rate));
  }
  for (const n of notes) console.log(`\n${n}`);
  console.log(`\nload average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  clearTimeout(abort);
}

const main = role === 'relay' ? relayRole : role === 'clients' ? clientRole : driver;
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
