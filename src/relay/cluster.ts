/**
 * `createRelayCluster`: one relay on every core of a machine, no Redis needed.
 *
 * A relay process spends most of its time per message in the kernel and in Node's socket
 * machinery, all on one thread, so one process saturates one core. Here a primary process
 * listens, answers the WebSocket handshake, reads each connection's first message (the JOIN) and
 * passes the socket to the worker process that owns the JOIN's room — rooms are spread over the
 * workers by a hash of the room id — together with the JOIN and anything received after it. Every
 * member of a room, and every reconnect that resumes in it, lands on the same worker, so messages
 * never cross processes and resume works as in one process. The primary never sees a message
 * after a JOIN. With `redisUrl` each worker also joins the Redis scale-out, for rooms spanning
 * machines.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { decodeClientFrame, encodeRelayFrame } from '../signaling/envelope.js';
import { RelayError, refuse } from './core.js';
import type { ToPrimary, ToWorker } from './cluster-protocol.js';
import { DEFAULT_LIMITS, maxWireMessageBytes, type RelayLimits } from './limits.js';
import { RelayLogger } from './log.js';
import { newMetrics, type RelayMetrics } from './metrics.js';
import { listen, serveHttp, type RelayServer, type RelayServerOptions } from './server.js';
import { acceptWebSocket, type WireSocket } from './wire.js';

/** Options of {@link createRelayCluster}: those of a single relay (but `tap`), plus the workers. */
export interface RelayClusterOptions extends Omit<RelayServerOptions, 'tap'> {
  /** Worker processes, 1–64. Default: the number of CPUs. */
  workers?: number;
  /**
   * The worker entry module. Default: `relay-worker.js` beside this module, as published in
   * `sealrtc/dist`; set it only when running from sources (a bundle of `src/relay/worker-main.ts`).
   */
  workerScript?: string | URL;
}

/** A running multi-core relay. `metrics()` sums the workers' counters as of at most a second ago. */
export interface RelayCluster extends RelayServer {
  /** Number of worker processes. */
  readonly workers: number;
  /** The workers' counters, summed, asked for now. */
  fetchMetrics(): Promise<RelayMetrics>;
  /** Process ids of the running workers (for monitoring). */
  workerPids(): number[];
}

/** FNV-1a over the room id's UTF-16 code units: the same worker for the same room, in any process. */
export function roomShard(room: string, workers: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < room.length; i++) h = Math.imul(h ^ room.charCodeAt(i), 0x01000193);
  return (h >>> 0) % workers;
}

type Slot = { proc: ChildProcess | undefined; ready: boolean; startedAt: number; failures: number };

/**
 * Start a relay with one worker process per core (see the module note).
 *
 * @throws {RelayError} `'listen-failed'`, `'redis-failed'`, `'worker-failed'` (a worker did not start).
 * @throws {RangeError} `workers` outside 1–64.
 * @example
 * ```ts
 * import { createRelayCluster } from 'sealrtc/relay';
 * const relay = await createRelayCluster({ port: 8787, workers: 2 });
 * process.on('SIGTERM', () => void relay.close());
 * ```
 */
export async function createRelayCluster(opts: RelayClusterOptions = {}): Promise<RelayCluster> {
  const n = opts.workers ?? availableParallelism();
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError('workers must be an integer in 1..64');
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = new RelayLogger(opts.logLevel ?? 'info', opts.logSink);
  const script = opts.workerScript ?? new URL('./relay-worker.js', import.meta.url);
  const slots: Slot[] = Array.from({ length: n }, () => ({ proc: undefined, ready: false, startedAt: 0, failures: 0 }));
  let closing: Promise<void> | undefined;
  let draining = false;
  let nextId = 1;
  const waiting = new Map<number, (m: RelayMetrics) => void>();
  let last: RelayMetrics = newMetrics();

  function start(i: number): Promise<void> {
    const slot = slots[i] as Slot;
    // --inspect would make every worker fight for the debugger port.
    const proc = fork(script, [], {
      serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: process.execArgv.filter((a) => !a.startsWith('--inspect')),
    });
    slot.proc = proc;
    slot.ready = false;
    slot.startedAt = Date.now();
    return new Promise<void>((resolve, reject) => {
      proc.on('message', (m: ToPrimary) => {
        if (m.t === 'ready') {
          slot.ready = true;
          resolve();
        } else if (m.t === 'failed') reject(new RelayError(m.code === 'redis-failed' ? 'redis-failed' : 'worker-failed', `relay worker ${i} did not start`));
        else if (m.t === 'log') log.sink(m.line);
        else if (m.t === 'metrics') waiting.get(m.id)?.(m.metrics);
      });
      // A failed spawn or a send on a closed channel: logged; 'exit' (if any) does the rest.
      proc.on('error', (err) => {
        log.log('error', 'worker-error', { worker: i, error: err.message });
        reject(new RelayError('worker-failed', `relay worker ${i} failed`, { cause: err }));
      });
      proc.once('exit', (code, signal) => {
        slot.ready = false;
        reject(new RelayError('worker-failed', `relay worker ${i} exited`));
        if (draining || slot.proc !== proc) return;
        // Its clients reconnect and land on the replacement (their sessions start over).
        slot.failures = Date.now() - slot.startedAt < 5_000 ? slot.failures + 1 : 0;
        log.log('error', 'worker-exited', { worker: i, code: code ?? undefined, signal: signal ?? undefined });
        setTimeout(() => {
          if (!draining) start(i).catch(() => undefined);
        }, Math.min(5_000, 100 * 2 ** slot.failures)).unref();
      });
      const init: ToWorker = {
        t: 'init', limits, logLevel: opts.logLevel ?? 'info', tokenKey: opts.tokenKey, redisUrl: opts.redisUrl, redisNodeTtlMs: opts.redisNodeTtlMs,
      };
      proc.send(init);
    });
  }

  const killAll = (): void => {
    draining = true;
    for (const s of slots) s.proc?.kill('SIGKILL');
  };
  try {
    await Promise.all(slots.map((_, i) => start(i)));
  } catch (e) {
    killAll();
    throw e;
  }

  /** Handshaken sockets whose JOIN has not arrived yet. */
  const pending = new Map<WireSocket, number>();
  const turnAway = (ws: WireSocket, code: 'join-timeout' | 'shutdown'): void => {
    pending.delete(ws);
    if (code === 'shutdown') {
      ws.send(encodeRelayFrame({ t: 'goaway', reason: 'shutdown' }));
      ws.close(1001, 'shutdown');
    } else refuse(ws, code);
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [ws, openedAt] of pending) if (now - openedAt > limits.joinTimeoutMs) turnAway(ws, 'join-timeout');
  }, Math.max(50, Math.min(1000, limits.joinTimeoutMs / 4)));
  sweep.unref();

  /** Pass the socket to the worker owning the room of its first message (worker 0 if it is no JOIN: it answers the error). */
  function dispatch(ws: WireSocket, data: Uint8Array): void {
    pending.delete(ws);
    let room = '';
    try {
      const f = decodeClientFrame(data);
      if (f.t === 'join') room = f.room;
    } catch {
      // Not an envelope: worker 0 tells the client so, with the usual code.
    }
    const slot = slots[roomShard(room, n)] as Slot;
    ws.handOff((socket, bytes) => {
      const proc = slot.proc;
      if (!slot.ready || !proc?.connected) return void socket.destroy(); // restarting: the client retries
      const m: ToWorker = { t: 'conn', pending: bytes };
      proc.send(m, socket as Socket, (err) => {
        if (err) socket.destroy();
      });
    });
  }

  const fetchMetrics = async (): Promise<RelayMetrics> => {
    const parts = await Promise.all(slots.map((s) => new Promise<RelayMetrics | undefined>((resolve) => {
      if (!s.ready || !s.proc?.connected) return resolve(undefined);
      const id = nextId++;
      const t = setTimeout(() => {
        waiting.delete(id);
        resolve(undefined);
      }, 1_000);
      waiting.set(id, (m) => {
        clearTimeout(t);
        waiting.delete(id);
        resolve(m);
      });
      s.proc.send({ t: 'metrics', id } satisfies ToWorker);
    })));
    const sum = newMetrics();
    for (const p of parts) {
      if (!p) continue;
      for (const k of Object.keys(sum) as (keyof RelayMetrics)[]) {
        if (k === 'errors') for (const [code, v] of Object.entries(p.errors)) sum.errors[code] = (sum.errors[code] ?? 0) + v;
        else sum[k] += p[k];
      }
    }
    sum.connections += pending.size;
    last = sum;
    return sum;
  };
  const poll = setInterval(() => void fetchMetrics(), 1_000);
  poll.unref();

  const http: Server = createServer((req, res) => {
    void fetchMetrics().then((m) => serveHttp(req, res, () => m, draining, 'primary'));
  });
  http.on('upgrade', (req, socket, head) => {
    if (draining) return socket.destroy();
    const ws = acceptWebSocket(req, socket, head, { maxMessageBytes: maxWireMessageBytes(limits) });
    if (!ws) return;
    if (pending.size >= limits.maxConnections) {
      // As many connections without a JOIN yet as one process may hold at all: refuse more.
      return refuse(ws, 'server-full');
    }
    pending.set(ws, Date.now());
    ws.attach({
      message: (data) => dispatch(ws, data),
      close: () => pending.delete(ws),
      error: (err) => log.log('debug', 'socket-error', { error: err.message }),
    });
  });
  let addr: AddressInfo;
  try {
    addr = await listen(http, opts.port, opts.host);
  } catch (e) {
    killAll();
    clearInterval(sweep);
    clearInterval(poll);
    throw e;
  }
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  log.log('info', 'listening', { port: addr.port, host: addr.address, workers: n, redis: opts.redisUrl !== undefined });

  return {
    url: `ws://${host}:${addr.port}`,
    port: addr.port,
    nodeId: 'primary',
    workers: n,
    metrics: () => last,
    fetchMetrics,
    workerPids: () => slots.flatMap((s) => (s.proc?.pid !== undefined && s.proc.exitCode === null ? [s.proc.pid] : [])),
    close(o = {}) {
      closing ??= (async () => {
        draining = true;
        const drainMs = o.drainMs ?? 5_000;
        log.log('info', 'draining', { connections: last.connections });
        const closed = new Promise<void>((r) => http.close(() => r()));
        for (const ws of [...pending.keys()]) turnAway(ws, 'shutdown');
        const exits = slots.map((s) => new Promise<void>((r) => {
          if (!s.proc || s.proc.exitCode !== null || s.proc.signalCode !== null) return r();
          s.proc.once('exit', () => r());
          if (s.proc.connected) s.proc.send({ t: 'close', drainMs } satisfies ToWorker);
          else s.proc.kill('SIGTERM');
        }));
        const cut = setTimeout(killAll, drainMs + 2_000);
        await Promise.all(exits);
        clearTimeout(cut);
        clearInterval(sweep);
        clearInterval(poll);
        http.closeAllConnections();
        await closed;
        log.log('info', 'stopped', {});
      })();
      return closing;
    },
  };
}
