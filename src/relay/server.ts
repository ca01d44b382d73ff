/**
 * `createRelayServer`: the reference signaling relay (Node, `ws`). It routes opaque envelopes
 * between the peers of a room and learns nothing but routing metadata. HTTP `/healthz` and
 * `/metrics` sit beside the WebSocket endpoint (any other path upgrades to WebSocket).
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { encodeRelayFrame } from '../signaling/envelope.js';
import { SealError } from '../errors.js';
import { Conn } from './conn.js';
import { Hub } from './hub.js';
import { DEFAULT_LIMITS, type RelayLimits } from './limits.js';
import { RelayLogger, type LogLevel, type LogSink } from './log.js';
import { newMetrics, toPrometheus, type RelayMetrics } from './metrics.js';
import { RedisCluster } from './redis.js';
import type { TokenKey } from './tokens.js';

/** Options of {@link createRelayServer}. */
export interface RelayServerOptions {
  /** TCP port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Interface to listen on. Default `'127.0.0.1'` (pass `'0.0.0.0'` to serve a LAN). */
  host?: string;
  /** Override any limit; the rest keep {@link DEFAULT_LIMITS}. */
  limits?: Partial<RelayLimits>;
  /** When set, every JOIN must carry a valid token signed with this key. */
  tokenKey?: TokenKey;
  /** `redis://…` URL: share rooms with other relay processes through Redis pub/sub. */
  redisUrl?: string;
  /** Heartbeat TTL of this process in Redis: its peers count as gone this long after it dies. Default 3 000. */
  redisNodeTtlMs?: number;
  /** Log level (default `'info'`) and sink (default: JSON lines on stderr). */
  logLevel?: LogLevel | 'silent';
  logSink?: LogSink;
  /**
   * Observe every WebSocket message the relay receives (`'in'`) or sends (`'out'`), e.g. to
   * prove in a test that the relay never sees key material. Called synchronously; do not keep
   * `data` without copying it.
   */
  tap?: (direction: 'in' | 'out', connection: string, data: Uint8Array) => void;
}

/** A running relay. */
export interface RelayServer {
  /** `ws://host:port` to give clients. */
  readonly url: string;
  readonly port: number;
  /** This process's node id (random; used in Redis). */
  readonly nodeId: string;
  /** A snapshot of the counters. */
  metrics(): RelayMetrics;
  /**
   * Graceful shutdown: stop accepting, tell every client to go away (they reconnect and resume
   * elsewhere), wait up to `drainMs` (default 5 000) for sockets to close, then cut the rest.
   * Idempotent.
   */
  close(opts?: { drainMs?: number }): Promise<void>;
}

/**
 * The relay could not start: `'listen-failed'` (the address is in use or not allowed) or
 * `'redis-failed'` (Redis unreachable with `redisUrl` set).
 *
 * @example
 * ```ts
 * try { await createRelayServer({ port: 8787 }); }
 * catch (e) { if (e instanceof RelayError && e.code === 'listen-failed') console.error('port 8787 is taken'); }
 * ```
 */
export class RelayError extends SealError<'listen-failed' | 'redis-failed'> {}

/**
 * Start a relay.
 *
 * @throws {RelayError} `'listen-failed'` (port in use, bad host), `'redis-failed'` (Redis unreachable).
 * @example
 * ```ts
 * import { createRelayServer } from 'sealrtc/relay';
 * const relay = await createRelayServer({ port: 8787, tokenKey: { hmacSecret } });
 * process.on('SIGTERM', () => void relay.close());
 * ```
 */
export async function createRelayServer(opts: RelayServerOptions = {}): Promise<RelayServer> {
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = new RelayLogger(opts.logLevel ?? 'info', opts.logSink);
  const metrics = newMetrics();
  let cluster: RedisCluster | undefined;
  if (opts.redisUrl) {
    cluster = new RedisCluster(opts.redisUrl, log, opts.redisNodeTtlMs ?? 3_000);
    try {
      await cluster.start();
    } catch (cause) {
      await cluster.stop();
      throw new RelayError('redis-failed', 'cannot reach Redis', { cause });
    }
  }
  const hub = new Hub(limits, log, metrics, cluster);
  cluster?.attach(hub);
  const nodeId = cluster?.nodeId ?? 'local';
  const conns = new Set<Conn>();
  let draining = false;

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes * 2 + 1024, perMessageDeflate: false });
  const http: Server = createServer((req, res) => serveHttp(req, res));
  http.on('upgrade', (req, socket, head) => {
    if (draining) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      metrics.connectionsTotal++;
      if (conns.size >= limits.maxConnections) {
        metrics.errors['server-full'] = (metrics.errors['server-full'] ?? 0) + 1;
        ws.send(encodeRelayFrame({ t: 'error', code: 'server-full', fatal: true, seq: 0 }));
        ws.close(4006, 'server-full');
        return;
      }
      const c = new Conn(ws, {
        hub, tokenKey: opts.tokenKey, tap: opts.tap,
        onClosed: (x) => {
          if (conns.delete(x)) metrics.connections--;
        },
      });
      conns.add(c);
      metrics.connections++;
    });
  });

  function snapshot(): RelayMetrics {
    let sessions = 0;
    let outboxBytes = 0;
    for (const r of hub.rooms.values()) {
      sessions += r.sessions.size;
      for (const s of r.sessions.values()) outboxBytes += s.outboxBytes;
    }
    return { ...metrics, errors: { ...metrics.errors }, rooms: hub.rooms.size, sessions, outboxBytes };
  }

  function serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://relay');
    if (url.pathname === '/healthz') {
      res.writeHead(draining ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: draining ? 'draining' : 'ok', node: nodeId, connections: conns.size }));
    } else if (url.pathname === '/metrics') {
      const json = url.searchParams.get('format') === 'json';
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'text/plain; version=0.0.4' });
      res.end(json ? JSON.stringify(snapshot()) : toPrometheus(snapshot()));
    } else {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('sealrtc relay: connect with a WebSocket\n');
    }
  }

  const sweepEvery = Math.max(50, Math.min(1000, limits.idleTimeoutMs / 4, limits.joinTimeoutMs / 4));
  let compactedAt = Date.now();
  const sweep = setInterval(() => {
    const now = Date.now();
    if (now - compactedAt >= 1000) {
      compactedAt = now;
      hub.compactOutboxes();
    }
    for (const c of conns) {
      if (c.closed) continue;
      if (!c.session && now - c.openedAt > limits.joinTimeoutMs) c.fail('join-timeout');
      else if (now - c.lastRx > limits.idleTimeoutMs) c.fail('idle-timeout');
    }
  }, sweepEvery);
  sweep.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    clearInterval(sweep);
    await cluster?.stop();
    throw new RelayError('listen-failed', 'cannot listen', { cause });
  }
  const addr = http.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  log.log('info', 'listening', { port: addr.port, host: addr.address, node: nodeId, redis: cluster !== undefined });

  let closing: Promise<void> | undefined;
  return {
    url: `ws://${host}:${addr.port}`,
    port: addr.port,
    nodeId,
    metrics: snapshot,
    close(o = {}) {
      closing ??= (async () => {
        draining = true;
        log.log('info', 'draining', { connections: conns.size });
        const closed = new Promise<void>((r) => http.close(() => r()));
        for (const c of conns) c.goAway();
        const deadline = Date.now() + (o.drainMs ?? 5_000);
        while (conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        for (const c of conns) c.ws.terminate();
        clearInterval(sweep);
        for (const r of hub.rooms.values()) for (const s of r.sessions.values()) clearTimeout(s.grace);
        wss.close();
        http.closeAllConnections();
        await closed;
        await cluster?.stop();
        log.log('info', 'stopped', {});
      })();
      return closing;
    },
  };
}
