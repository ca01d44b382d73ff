/**
 * One relay process's connections, hub and housekeeping, without the listening socket: the
 * part shared by the single-process server (`server.ts`) and the worker processes of a
 * multi-core relay (`cluster.ts`), which receive their sockets already upgraded.
 *
 * @module
 */
import { encodeRelayFrame } from '../signaling/envelope.js';
import { SealError } from '../errors.js';
import { CLOSE_CODES, Conn } from './conn.js';
import { Hub } from './hub.js';
import type { RelayLimits } from './limits.js';
import type { RelayLogger } from './log.js';
import { newMetrics, type RelayMetrics } from './metrics.js';
import { RedisCluster } from './redis.js';
import type { TokenKey } from './tokens.js';
import type { WireSocket } from './wire.js';

/**
 * The relay could not start: `'listen-failed'` (the address is in use or not allowed),
 * `'redis-failed'` (Redis unreachable with `redisUrl` set) or `'worker-failed'` (a worker
 * process of a multi-core relay did not start).
 *
 * @example
 * ```ts
 * try { await createRelayServer({ port: 8787 }); }
 * catch (e) { if (e instanceof RelayError && e.code === 'listen-failed') console.error('port 8787 is taken'); }
 * ```
 */
export class RelayError extends SealError<'listen-failed' | 'redis-failed' | 'worker-failed'> {}

/**
 * Refuse a connection the relay will not serve (`'server-full'`, `'join-timeout'`): a fatal ERROR
 * with the code, then the close with its close code. Its further messages are ignored.
 */
export function refuse(ws: WireSocket, code: string): void {
  ws.attach({ message: () => undefined, close: () => undefined, error: () => undefined });
  ws.send(encodeRelayFrame({ t: 'error', code, fatal: true, seq: 0 }));
  ws.close(CLOSE_CODES[code] ?? 4000, code);
}

/** What a {@link RelayCore} needs. */
export interface RelayCoreOptions {
  limits: RelayLimits;
  log: RelayLogger;
  tokenKey?: TokenKey | undefined;
  redisUrl?: string | undefined;
  redisNodeTtlMs?: number | undefined;
  tap?: ((direction: 'in' | 'out', connection: string, data: Uint8Array) => void) | undefined;
}

/** A relay process's connections and rooms. */
export class RelayCore {
  readonly hub: Hub;
  readonly nodeId: string;
  readonly conns = new Set<Conn>();
  /** Set by {@link close}: no new connections. */
  draining = false;
  readonly #metrics: RelayMetrics;
  readonly #cluster: RedisCluster | undefined;
  readonly #opts: RelayCoreOptions;
  readonly #sweep: ReturnType<typeof setInterval>;
  #closing: Promise<void> | undefined;

  /** Start one (connecting to Redis first when `redisUrl` is set). @throws {RelayError} `'redis-failed'` */
  static async start(opts: RelayCoreOptions): Promise<RelayCore> {
    let cluster: RedisCluster | undefined;
    if (opts.redisUrl) {
      cluster = new RedisCluster(opts.redisUrl, opts.log, opts.redisNodeTtlMs ?? 3_000);
      try {
        await cluster.start();
      } catch (cause) {
        await cluster.stop();
        throw new RelayError('redis-failed', 'cannot reach Redis', { cause });
      }
    }
    return new RelayCore(opts, cluster);
  }

  private constructor(opts: RelayCoreOptions, cluster: RedisCluster | undefined) {
    this.#opts = opts;
    this.#metrics = newMetrics();
    this.#cluster = cluster;
    this.hub = new Hub(opts.limits, opts.log, this.#metrics, cluster);
    cluster?.attach(this.hub);
    this.nodeId = cluster?.nodeId ?? 'local';
    const l = opts.limits;
    const sweepEvery = Math.max(50, Math.min(1000, l.idleTimeoutMs / 4, l.joinTimeoutMs / 4));
    let compactedAt = Date.now();
    this.#sweep = setInterval(() => {
      const now = Date.now();
      if (now - compactedAt >= 1000) {
        compactedAt = now;
        this.hub.compactOutboxes();
      }
      for (const c of this.conns) {
        if (c.closed) continue;
        if (!c.session && now - c.openedAt > l.joinTimeoutMs) c.fail('join-timeout');
        else if (now - c.lastRx > l.idleTimeoutMs) c.fail('idle-timeout');
      }
    }, sweepEvery);
    this.#sweep.unref();
  }

  /** Serve an upgraded WebSocket (or turn it away with `server-full`). */
  adopt(ws: WireSocket): void {
    const m = this.#metrics;
    if (this.draining) return ws.terminate();
    m.connectionsTotal++;
    if (this.conns.size >= this.#opts.limits.maxConnections) {
      m.errors['server-full'] = (m.errors['server-full'] ?? 0) + 1;
      return refuse(ws, 'server-full');
    }
    const c = new Conn(ws, {
      hub: this.hub, tokenKey: this.#opts.tokenKey, tap: this.#opts.tap,
      onClosed: (x) => {
        if (this.conns.delete(x)) m.connections--;
      },
    });
    this.conns.add(c);
    m.connections++;
  }

  /** A snapshot of the counters, with the gauges filled in. */
  snapshot(): RelayMetrics {
    let sessions = 0;
    let outboxBytes = 0;
    for (const r of this.hub.rooms.values()) {
      sessions += r.sessions.size;
      for (const s of r.sessions.values()) outboxBytes += s.outboxBytes;
    }
    const m = this.#metrics;
    return { ...m, errors: { ...m.errors }, rooms: this.hub.rooms.size, sessions, outboxBytes };
  }

  /**
   * Tell every client to go away (they reconnect and resume elsewhere), wait up to `drainMs` for
   * their sockets to close, cut the rest, and leave Redis. Idempotent.
   */
  close(drainMs: number): Promise<void> {
    this.#closing ??= (async () => {
      this.draining = true;
      for (const c of this.conns) c.goAway();
      const deadline = Date.now() + drainMs;
      while (this.conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const c of this.conns) c.ws.terminate();
      clearInterval(this.#sweep);
      for (const r of this.hub.rooms.values()) for (const s of r.sessions.values()) clearTimeout(s.grace);
      await this.#cluster?.stop();
    })();
    return this.#closing;
  }
}
