/**
 * Load test of the reference relay (`npm run bench:relay`): N WebSocket clients in R rooms on
 * loopback send unicast messages to random room-mates; we report routed messages/s, p50/p99
 * latency (send → delivery, across processes on one machine) and relay memory per connection,
 * for one relay process, for a multi-core relay (`createRelayCluster`, 2 workers) and for two
 * relay processes behind Redis, next to forwarders with no sealrtc logic (the floors).
 *
 * Bounded: every phase has a deadline and the whole run aborts after BENCH_MAX_S. Loopback only.
 * One script, three roles (chosen by SEALRTC_BENCH_ROLE): the driver (default), a relay
 * process, and a client process holding a share of the connections. Knobs (env):
 *   BENCH_CLIENTS=5000 BENCH_ROOMS=1000 BENCH_RATE=5 (msgs/s per client) BENCH_SECONDS=10
 *   BENCH_WARMUP=2 (seconds of identical load before the measured window) BENCH_PAYLOAD=200 BENCH_CLIENT_PROCS=2 BENCH_MODES=single,workers,redis,ws-floor,wire-floor,tcp-floor BENCH_MAX_S=300
 *   BENCH_RATES=1,2,3,4,5 (a load curve: one run per per-client rate, each mode) BENCH_TICK_MS=5
 *   BENCH_PROF=<dir> (write a CPU profile of every child process there) BENCH_CLIENT_WS=load|ws (the
 *   clients' WebSocket implementation: bench/load-socket.ts, or the `ws` package)
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { connect as connectTcp, createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { LoadSocket } from './load-socket.js';
import { createRelayCluster, createRelayServer } from '../src/relay/index.js';
import { acceptWebSocket } from '../src/relay/wire.js';
import { ACK_DELAY_MS, ACK_EVERY, decodeRelayFrame, encodeClientFrame } from '../src/signaling/envelope.js';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const N = env('BENCH_CLIENTS', 5000);
const R = env('BENCH_ROOMS', 1000);
const RATE = env('BENCH_RATE', 5);
const SECONDS = env('BENCH_SECONDS', 10);
/** Seconds of the same load before the measured window (JIT, first data on each connection). */
const WARMUP = env('BENCH_WARMUP', 2);
const PAYLOAD = env('BENCH_PAYLOAD', 200);
const PROCS = env('BENCH_CLIENT_PROCS', 2);
/** The whole run's bound; by default one minute per measured run plus one. */
const MAX_S = env('BENCH_MAX_S', 60 * (1 + (process.env.BENCH_MODES ?? 'single,workers,redis,ws-floor,wire-floor,tcp-floor').split(',').length * (process.env.BENCH_RATES ?? '1').split(',').length));
const role = process.env.SEALRTC_BENCH_ROLE ?? 'driver';
const now = (): number => performance.timeOrigin + performance.now();
/** CPU seconds this process has used, and when (to give each process's share of a core). */
const cpuNow = (pids: number[] = []): { cpuS: number; sysS: number; at: number } => {
  const u = process.cpuUsage();
  let cpuS = (u.user + u.system) / 1e6;
  let sysS = u.system / 1e6;
  // Worker processes of a multi-core relay: /proc/<pid>/stat utime, stime (clock ticks, 100 Hz).
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      cpuS += (Number(f[11]) + Number(f[12])) / 100;
      sysS += Number(f[12]) / 100;
    } catch {
      // not Linux, or the worker is gone: its share is missing from the figure
    }
  }
  return { cpuS, sysS, at: now() };
};
/** Resident memory of the worker processes of a multi-core relay (Linux), bytes. */
const workersRss = (pids: number[]): number => pids.reduce((sum, pid) => {
  try {
    return sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return sum;
  }
}, 0);

/**
 * Where a process's stalls come from, over the load window: event-loop delay (how late a 1 ms
 * timer fires, i.e. how long a message can wait in this process) and garbage-collection pauses.
 */
function stallMeter(): { start(): void; read(): { loopP99: number; loopMax: number; gcMs: number; gcMax: number } } {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let gcMs = 0;
  let gcMax = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcMax = Math.max(gcMax, e.duration);
    }
  });
  return {
    start() {
      h.enable();
      obs.observe({ entryTypes: ['gc'] });
    },
    read() {
      h.disable();
      obs.disconnect();
      return { loopP99: h.percentile(99) / 1e6, loopMax: h.max / 1e6, gcMs, gcMax };
    },
  };
}

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

/**
 * The floors the relay is compared with, run by the same relay role and driven by the same
 * clients at the same rates: a forwarder with no sealrtc logic at all, over WebSocket (`ws`, as
 * the relay uses) or over raw TCP. Each client first sends its 4-byte index; every message is
 * `u32 target index | payload` and is forwarded unchanged. No rooms, no resume, no limits.
 */
async function floorRelay(kind: 'ws' | 'tcp' | 'wire'): Promise<{ url: string; close(): void }> {
  const byIndex: ({ send(b: Buffer): void } | undefined)[] = [];
  if (kind === 'wire') {
    // The relay's own WebSocket endpoint (src/relay/wire.ts), forwarding by index like the others.
    const { createServer: createHttp } = await import('node:http');
    const srv = createHttp();
    srv.on('upgrade', (req, sock, head) => {
      const ws = acceptWebSocket(req, sock, head, { maxMessageBytes: 1 << 20 });
      if (!ws) return;
      let joined = false;
      ws.attach({
        message: (d) => {
          const target = ((d[0] as number) << 24 | (d[1] as number) << 16 | (d[2] as number) << 8 | (d[3] as number)) >>> 0;
          if (!joined) {
            joined = true;
            byIndex[target] = { send: (b) => ws.send(b) };
          } else byIndex[target]?.send(d as Buffer);
        },
        close: () => undefined,
        error: () => undefined,
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { url: `ws://127.0.0.1:${(srv.address() as { port: number }).port}`, close: () => srv.close() };
  }
  if (kind === 'ws') {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    wss.on('connection', (ws) => {
      let joined = false;
      ws.on('message', (d: Buffer) => {
        if (!joined) {
          joined = true;
          byIndex[d.readUInt32BE(0)] = ws;
        } else byIndex[d.readUInt32BE(0)]?.send(d);
      });
    });
    await new Promise((r) => wss.once('listening', r));
    return { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, close: () => wss.close() };
  }
  const size = 4 + Math.max(8, PAYLOAD);
  const srv = createServer((sock) => {
    sock.setNoDelay(true);
    let acc: Buffer = Buffer.alloc(0);
    let joined = false;
    sock.on('data', (d: Buffer) => {
      acc = acc.length > 0 ? Buffer.concat([acc, d]) : d;
      if (!joined && acc.length >= 4) {
        joined = true;
        byIndex[acc.readUInt32BE(0)] = { send: (b) => sock.write(b) };
        acc = acc.subarray(4);
      }
      while (joined && acc.length >= size) {
        const m = acc.subarray(0, size);
        acc = acc.subarray(size);
        byIndex[m.readUInt32BE(0)]?.send(m);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `tcp://127.0.0.1:${(srv.address() as { port: number }).port}`, close: () => srv.close() };
}

/** The relay worker entry, bundled from sources (the published build ships it as dist/relay-worker.js). */
async function workerBundle(): Promise<string> {
  const { build } = await import('esbuild');
  const { resolve } = await import('node:path');
  const out = resolve(import.meta.dirname, 'relay-worker.mjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, '../../src/relay/worker-main.ts')],
    outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
  });
  return out;
}

async function relayRole(): Promise<void> {
  const floor = process.env.BENCH_FLOOR as 'ws' | 'tcp' | 'wire' | undefined;
  const zero = { framesIn: 0, framesOut: 0, messagesRouted: 0, errors: {} };
  const workers = Number(process.env.BENCH_WORKERS ?? 1);
  const relayOpts = {
    port: 0, redisUrl: process.env.BENCH_REDIS || undefined, logLevel: 'warn' as const,
    limits: { maxConnections: 50_000, maxMessagesPerSec: 10_000, idleTimeoutMs: 600_000, joinTimeoutMs: 60_000 },
  };
  const relay = floor ? await floorRelay(floor).then((f) => ({
    url: f.url, metrics: () => zero, fetchMetrics: async () => zero, close: async (_o: object) => f.close(),
  })) : workers > 1 ? await createRelayCluster({ ...relayOpts, workers, workerScript: await workerBundle() })
    : await createRelayServer(relayOpts).then((r) => ({ ...r, close: r.close, fetchMetrics: async () => r.metrics() }));
  const profiler = relayProfiler();
  const stalls = stallMeter();
  let marked = false;
  let stallStats: ReturnType<typeof stalls.read> | undefined;
  process.on('message', async (m: Msg) => {
    const pids = 'workerPids' in relay ? relay.workerPids() : [];
    if (m.kind === 'mem') {
      const loop = cpuNow(pids); // before the forced GC below
      if (stallStats === undefined && marked) stallStats = stalls.read();
      if (process.env.BENCH_PROF_RELAY) await profiler.stop(process.env.BENCH_PROF_RELAY);
      (globalThis as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      const counters = await relay.fetchMetrics();
      send({ kind: 'mem', rss: u.rss + workersRss(pids), heap: pids.length > 0 ? null : u.heapUsed, errors: counters.errors, counters, loop, stalls: stallStats });
    } else if (m.kind === 'mark') {
      marked = true;
      stalls.start();
      if (process.env.BENCH_PROF_RELAY) await profiler.start();
      send({ kind: 'mark', loop: cpuNow(pids), counters: await relay.fetchMetrics() });
    } else if (m.kind === 'stop') void relay.close({ drainMs: 200 }).then(() => process.exit(0));
  });
  send({ kind: 'ready', url: relay.url });
}

/** What the load generator needs of a WebSocket: `ws`'s surface, or {@link LoadSocket}'s. */
type ClientSocket = Pick<WebSocket, 'on' | 'once' | 'terminate'> & { send(b: Uint8Array): void };
/** BENCH_CLIENT_WS=ws|load (default load): the client implementation (see bench/load-socket.ts). */
const CLIENT_WS = process.env.BENCH_CLIENT_WS ?? 'load';
function clientSocket(url: string): ClientSocket {
  // A zero masking key makes ws skip masking, as LoadSocket does: the load generator's CPU is not
  // what is measured (a browser masks in native code), and it shares this machine with the relay.
  if (CLIENT_WS === 'ws') return new WebSocket(url, { perMessageDeflate: false, generateMask: (m) => m.fill(0) });
  return new LoadSocket(url) as unknown as ClientSocket;
}

async function clientRole(): Promise<void> {
  const urls = JSON.parse(process.env.BENCH_URLS ?? '[]') as string[];
  const me = Number(process.env.BENCH_PROC);
  const mine: number[] = [];
  for (let i = me; i < N; i += PROCS) mine.push(i);
  const latencies: number[] = [];
  const sentAts: number[] = [];
  let received = 0;
  let windowStart = Infinity; // set by the driver's 'go'; warm-up messages are not counted
  let sent = 0;
  let socketErrors = 0;
  let lastRxAt = 0;
  let closes = 0;
  // Acks as WebSocketSignaling sends them (the same cumulative policy the relay uses for SENDs):
  // one every ACK_EVERY deliveries, else ACK_DELAY_MS after the first unacked one.
  type Sock = { ws: ClientSocket; seq: number; ackTo: number; acked: number; owedSince: number };
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
  const floor = process.env.BENCH_FLOOR;
  // The load generator does as little as a real client would: peer ids exist already, and the
  // send time is read without allocating.
  const peerIds = Array.from({ length: N }, (_, k) => `p${k}`);
  const scratch = new Float64Array(1);
  const scratchBytes = new Uint8Array(scratch.buffer);
  const bigEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 0;
  const sentAtOf = (p: Uint8Array): number => {
    for (let k = 0; k < 8; k++) scratchBytes[bigEndianHost ? k : 7 - k] = p[k] as number;
    return scratch[0] as number;
  };
  const onPayload = (sentAt: number): void => {
    if (sentAt < windowStart) return;
    received++;
    lastRxAt = now();
    latencies.push(lastRxAt - sentAt);
    sentAts.push(sentAt);
  };
  /** Floor modes: the same load, framed as `u32 target index | payload`, nothing else. */
  async function openFloor(i: number): Promise<void> {
    const url = urls[0] as string;
    const id = Buffer.alloc(4);
    id.writeUInt32BE(i);
    if (floor === 'ws' || floor === 'wire') {
      const ws = clientSocket(url);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', (e) => {
          socketErrors++;
          reject(e);
        });
      });
      ws.on('close', () => closes++);
      ws.on('message', (d: Buffer) => onPayload(d.readDoubleBE(4)));
      ws.send(id);
      floorLinks.set(i, { send: (b) => ws.send(b), close: () => ws.terminate() });
      return;
    }
    const { hostname, port } = new URL(url);
    const size = 4 + Math.max(8, PAYLOAD);
    const sock = connectTcp(Number(port), hostname);
    sock.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', (e) => {
        socketErrors++;
        reject(e);
      });
    });
    sock.on('close', () => closes++);
    let acc: Buffer = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      acc = acc.length > 0 ? Buffer.concat([acc, d]) : d;
      for (; acc.length >= size; acc = acc.subarray(size)) onPayload(acc.readDoubleBE(4));
    });
    sock.write(id);
    floorLinks.set(i, { send: (b) => sock.write(b), close: () => sock.destroy() });
  }
  const floorLinks = new Map<number, { send(b: Buffer): void; close(): void }>();
  async function open(i: number): Promise<void> {
    if (floor) return openFloor(i);
    const ws = clientSocket(urls[(i >> 1) % urls.length] as string);
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
          onPayload(sentAtOf(f.payload));
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
  const end = Number(go.until);
  windowStart = Number(go.start);
  // CPU and stalls are measured over the window (after the warm-up), like the relay's.
  let atGo = cpuNow();
  const stalls = stallMeter();
  setTimeout(() => {
    atGo = cpuNow();
    stalls.start();
  }, Math.max(0, windowStart - now()));
  const members = Math.ceil(N / R);
  const payload = new Uint8Array(Math.max(8, PAYLOAD));
  const view = new DataView(payload.buffer);
  // Small ticks: sends spread over the second as independent clients' would be, not in bursts.
  const tickMs = Number(process.env.BENCH_TICK_MS ?? 5);
  let carry = 0;
  let lastTick = Number(go.warmFrom);
  const timer = setInterval(() => {
    const t = now();
    if (t >= end) return;
    // Offer by elapsed time, not by tick count: a lagging event loop sends bigger batches.
    carry += (mine.length * RATE * Math.max(0, t - lastTick)) / 1000;
    lastTick = t;
    const count = Math.floor(carry);
    carry -= count;
    for (let k = 0; k < count; k++) {
      const i = mine[Math.floor(Math.random() * mine.length)] as number;
      let j = i;
      for (let tries = 0; tries < 8 && (j === i || j >= N); tries++) j = (i % R) + R * Math.floor(Math.random() * members);
      if (j === i || j >= N) continue;
      const at = now();
      if (floor) {
        const fl = floorLinks.get(i);
        if (!fl) continue;
        const m = Buffer.allocUnsafe(4 + payload.length);
        m.writeUInt32BE(j, 0);
        m.set(payload, 4);
        m.writeDoubleBE(at, 4);
        fl.send(m);
        if (at >= windowStart) sent++;
        continue;
      }
      const c = socks.get(i);
      if (!c) continue;
      view.setFloat64(0, at);
      // Like WebSocketSignaling, the SEND carries the delivery ack, so none is owed up to it.
      c.ws.send(encodeClientFrame({ t: 'send', seq: ++c.seq, ack: c.ackTo, to: peerIds[j] as string, payload }));
      c.acked = c.ackTo;
      owing.delete(c);
      if (at >= windowStart) sent++;
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
  for (const l of floorLinks.values()) l.close();
  // Exit only once the (large) result message has been handed to the IPC channel.
  const fin = cpuNow();
  const loop = { ...fin, cpuS: fin.cpuS - atGo.cpuS, sysS: fin.sysS - atGo.sysS, wallS: (fin.at - atGo.at) / 1000 };
  process.send?.({ kind: 'done', sent, received, latencies, sentAts, socketErrors, closes, lastRxAt, loop, stalls: stalls.read() }, () => process.exit(0));
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
  return spawn(process.execPath, ['--expose-gc', ...prof, ...(process.env[`BENCH_NODE_FLAGS_${roleName.toUpperCase()}`] ?? '').split(' ').filter(Boolean), process.argv[1] as string], {
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
const summary: { mode: Mode; offered: number; p99: number; relayCpu: number; clientCpu: number }[] = [];
let baseRate = NaN;
type Mode = 'single' | 'workers' | 'redis' | 'ws-floor' | 'wire-floor' | 'tcp-floor';
const SHORT: Record<Mode, string> = {
  single: '1 process', workers: '2 workers', redis: '2 + Redis', 'ws-floor': 'bare ws', 'wire-floor': 'bare wire', 'tcp-floor': 'bare TCP',
};
const MODE_NAMES: Record<Mode, string> = {
  single: '1 process', workers: '2 worker processes (rooms by id)', redis: '2 processes + Redis', 'ws-floor': 'floor: bare ws forwarder', 'wire-floor': 'floor: bare forwarder on the relay\'s WebSocket endpoint', 'tcp-floor': 'floor: bare TCP forwarder',
};
async function runMode(mode: Mode, rate: number): Promise<string> {
  const kids: ChildProcess[] = [];
  try {
    let redisUrl = '';
    if (mode === 'redis') {
      const port = await freePort();
      kids.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
      redisUrl = `redis://127.0.0.1:${port}`;
      await new Promise((r) => setTimeout(r, 500));
    }
    const floor = mode === 'ws-floor' ? 'ws' : mode === 'tcp-floor' ? 'tcp' : mode === 'wire-floor' ? 'wire' : '';
    const relays = Array.from({ length: mode === 'redis' ? 2 : 1 }, () => child('relay', { BENCH_REDIS: redisUrl, BENCH_FLOOR: floor, BENCH_WORKERS: mode === 'workers' ? '2' : '1' }));
    kids.push(...relays);
    const urls = (await Promise.all(relays.map((r) => next(r, 'ready', 15_000)))).map((m) => String(m.url));
    const mem = async (): Promise<{ rss: number; heap: number }> => {
      const ms = await Promise.all(relays.map((r) => { r.send({ kind: 'mem' }); return next(r, 'mem', 10_000); }));
      // A multi-core relay reports no heap (its workers' heaps are not visible from the primary).
      return { rss: ms.reduce((s, m) => s + Number(m.rss), 0), heap: ms.some((m) => m.heap === null) ? NaN : ms.reduce((s, m) => s + Number(m.heap), 0) };
    };
    const before = await mem();
    const t0 = now();
    const clients = Array.from({ length: PROCS }, (_, k) => child('clients', { BENCH_URLS: JSON.stringify(urls), BENCH_PROC: String(k), BENCH_RATE: String(rate), BENCH_FLOOR: floor }));
    kids.push(...clients);
    await Promise.all(clients.map((c) => next(c, 'ready', 120_000)));
    const connectS = (now() - t0) / 1000;
    const after = await mem();
    const warmFrom = now() + 200;
    const start = warmFrom + WARMUP * 1000;
    const done = clients.map((c) => next(c, 'done', (WARMUP + SECONDS + 120) * 1000));
    for (const c of clients) c.send({ kind: 'go', warmFrom, start, until: start + SECONDS * 1000 });
    await new Promise((r) => setTimeout(r, Math.max(0, start - now())));
    const marks = await Promise.all(relays.map((r) => { r.send({ kind: 'mark' }); return next(r, 'mark', 10_000); }));
    const cpu0 = machineCpu();
    const results = await Promise.all(done);
    const cpu1 = machineCpu();
    const lat = results.flatMap((r) => r.latencies as number[]).sort((a, b) => a - b);
    // p99 of the messages sent in each second of the window: is the tail steady, or one episode?
    const bySecond: number[][] = Array.from({ length: SECONDS }, () => []);
    for (const r of results) {
      const ls = r.latencies as number[];
      (r.sentAts as number[]).forEach((at, k) => bySecond[Math.min(SECONDS - 1, Math.max(0, Math.floor((at - start) / 1000)))]?.push(ls[k] as number));
    }
    const p99of = (xs: number[]): string => (xs.sort((a, b) => a - b)[Math.floor(0.99 * xs.length)] ?? NaN).toFixed(0);
    notes.push(`${mode} @ ${rate}/client/s: p99 ms of the messages sent in each second: ${bySecond.map(p99of).join(', ')}`);
    const sent = results.reduce((s, r) => s + Number(r.sent), 0);
    const received = results.reduce((s, r) => s + Number(r.received), 0);
    // Routed rate over the span actually needed to deliver everything (window + any backlog drain).
    const span = (Math.max(start + SECONDS * 1000, ...results.map((r) => Number(r.lastRxAt))) - start) / 1000;
    const q = (p: number): string => (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN).toFixed(1);
    const errs = await Promise.all(relays.map((r) => { r.send({ kind: 'mem' }); return next(r, 'mem', 10_000); }));
    type Counters = { framesIn: number; framesOut: number; messagesRouted: number };
    const d = (k: keyof Counters): number => errs.reduce((n, e, i) => n + (e.counters as Counters)[k] - ((marks[i]?.counters as Counters | undefined)?.[k] ?? 0), 0);
    if (!floor) notes.push(`${mode} @ ${rate}/client/s: WebSocket frames per routed message — in ${(d('framesIn') / d('messagesRouted')).toFixed(2)}, out ${(d('framesOut') / d('messagesRouted')).toFixed(2)}`);
    notes.push(`${mode} @ ${rate}/client/s: client socket errors ${results.reduce((n, r) => n + Number(r.socketErrors), 0)}, closes ${results.reduce((n, r) => n + Number(r.closes), 0)}`);
    notes.push(`${mode} @ ${rate}/client/s: relay error counters ${errs.map((e) => JSON.stringify(e.errors)).join(' ')}`);
    type Loop = { cpuS: number; sysS?: number; at: number; wallS?: number };
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
    type Stalls = { loopP99: number; loopMax: number; gcMs: number; gcMax: number };
    const st = (x: unknown): string => {
      const v = x as Stalls | undefined;
      return v ? `loop delay p99 ${v.loopP99.toFixed(1)} / max ${v.loopMax.toFixed(0)} ms, GC ${v.gcMs.toFixed(0)} ms (longest ${v.gcMax.toFixed(1)})` : 'n/a';
    };
    const sys = (a: Loop, b: Loop): string => `${(((b.sysS ?? 0) - (a.sysS ?? 0)) / Math.max(1e-9, b.cpuS - a.cpuS) * 100).toFixed(0)} % kernel`;
    notes.push(`${mode} @ ${rate}/client/s: stalls — relay ${errs.map((e) => st(e.stalls)).join(' + ')}; clients ${results.map((r) => st(r.stalls)).join(' + ')}`);
    notes.push(`${mode} @ ${rate}/client/s: kernel share of CPU — relay ${errs.map((e, k) => sys(marks[k]?.loop as Loop, e.loop as Loop)).join(' + ')}; clients ${results.map((r) => sys({ cpuS: 0, sysS: 0, at: 0 }, r.loop as Loop)).join(' + ')}`);
    for (const r of relays) r.send({ kind: 'stop' });
    const perConn = (x: number, y: number): string => (Number.isFinite(y - x) ? ((y - x) / N / 1024).toFixed(1) : 'n/a');
    summary.push({ mode, offered: sent / SECONDS, p99: Number(q(0.99)), relayCpu, clientCpu });
    return `| ${MODE_NAMES[mode]} | ${N} | ${R} | ${connectS.toFixed(1)} | ${Math.round(sent / SECONDS)} | ${Math.round(received / span)} | ${(received / Math.max(1, sent) * 100).toFixed(2)} % | ${q(0.5)} | ${q(0.99)} | ${relayCpu.toFixed(0)} % | ${clientCpu.toFixed(0)} % | ${perConn(before.rss, after.rss)} | ${perConn(before.heap, after.heap)} | ${(received / span / baseRate).toFixed(2)} |`;
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
  for (const mode of (process.env.BENCH_MODES ?? 'single,workers,redis,ws-floor,wire-floor,tcp-floor').split(',') as Mode[]) {
    if (!(mode in MODE_NAMES)) throw new Error(`unknown mode ${mode} (one of ${Object.keys(MODE_NAMES).join(', ')})`);
    for (const rate of rates) console.log(await runMode(mode, rate));
  }
  // The relay against the floors at each offered rate: what sealrtc's relay adds to bare forwarding.
  const ofMode = (m: Mode): typeof summary => summary.filter((x) => x.mode === m);
  const base = ofMode('single').length > 0 ? 'single' : 'workers';
  if (ofMode(base).length > 0) {
    const cols: Mode[] = ['single', 'workers', 'redis', 'ws-floor', 'wire-floor', 'tcp-floor'];
    const shown = cols.filter((m) => ofMode(m).length === ofMode(base).length);
    const ratio = (a: { relayCpu: number } | undefined, b: { relayCpu: number } | undefined): string => (a && b ? (a.relayCpu / b.relayCpu).toFixed(2) : 'n/a');
    console.log(`\n| offered msg/s | ${shown.map((m) => `p99 ms: ${SHORT[m]}`).join(' | ')} | relay CPU ÷ bare wire: 1 process / 2 workers | clients CPU: ${shown.map((m) => SHORT[m]).join(' / ')} |`);
    console.log(`|---:|${shown.map(() => '---:|').join('')}---|---|`);
    ofMode(base).forEach((r, k) => {
      const at = (m: Mode): (typeof summary)[number] | undefined => ofMode(m)[k];
      console.log(`| ${Math.round(r.offered)} | ${shown.map((m) => at(m)?.p99.toFixed(1) ?? 'n/a').join(' | ')} | ${ratio(at('single'), at('wire-floor'))} / ${ratio(at('workers'), at('wire-floor'))} | ${shown.map((m) => `${at(m)?.clientCpu.toFixed(0) ?? 'n/a'} %`).join(' / ')} |`);
    });
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
