/**
 * `createRelayServer`: the reference signaling relay (Node, `ws`). It routes opaque envelopes
 * between the peers of a room and learns nothing but routing metadata. HTTP `/healthz` and
 * `/metrics` sit beside the WebSocket endpoint (any other path upgrades to WebSocket).
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayCore, RelayError } from './core.js';
import { DEFAULT_LIMITS, maxWireMessageBytes, type RelayLimits } from './limits.js';
import { RelayLogger, type LogLevel, type LogSink } from './log.js';
import { toPrometheus, type RelayMetrics } from './metrics.js';
import type { TokenKey } from './tokens.js';
import { acceptWebSocket } from './wire.js';

export { RelayError } from './core.js';

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
  const core = await RelayCore.start({
    limits, log, tokenKey: opts.tokenKey, redisUrl: opts.redisUrl, redisNodeTtlMs: opts.redisNodeTtlMs, tap: opts.tap,
  });
  const nodeId = core.nodeId;
  const http: Server = createServer((req, res) => serveHttp(req, res, () => core.snapshot(), core.draining, nodeId));
  http.on('upgrade', (req, socket, head) => {
    if (core.draining) return socket.destroy();
    const ws = acceptWebSocket(req, socket, head, { maxMessageBytes: maxWireMessageBytes(limits) });
    if (ws) core.adopt(ws);
  });

  let addr: AddressInfo;
  try {
    addr = await listen(http, opts.port, opts.host);
  } catch (e) {
    await core.close(0);
    throw e;
  }
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  log.log('info', 'listening', { port: addr.port, host: addr.address, node: nodeId, redis: opts.redisUrl !== undefined });

  let closing: Promise<void> | undefined;
  return {
    url: `ws://${host}:${addr.port}`,
    port: addr.port,
    nodeId,
    metrics: () => core.snapshot(),
    close(o = {}) {
      closing ??= (async () => {
        log.log('info', 'draining', { connections: core.conns.size });
        core.draining = true;
        const closed = new Promise<void>((r) => http.close(() => r()));
        await core.close(o.drainMs ?? 5_000);
        http.closeAllConnections();
        await closed;
        log.log('info', 'stopped', {});
      })();
      return closing;
    },
  };
}

/** `/healthz` and `/metrics` (JSON or Prometheus text); anything else that is not an upgrade: 426. */
export function serveHttp(req: IncomingMessage, res: ServerResponse, snapshot: () => RelayMetrics, draining: boolean, nodeId: string): void {
  const url = new URL(req.url ?? '/', 'http://relay');
  if (url.pathname === '/healthz') {
    res.writeHead(draining ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: draining ? 'draining' : 'ok', node: nodeId, connections: snapshot().connections }));
  } else if (url.pathname === '/metrics') {
    const json = url.searchParams.get('format') === 'json';
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'text/plain; version=0.0.4' });
    res.end(json ? JSON.stringify(snapshot()) : toPrometheus(snapshot()));
  } else {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('sealrtc relay: connect with a WebSocket\n');
  }
}

/** Listen on `port` (default 8787) and `host` (default loopback). @throws {RelayError} `'listen-failed'` */
export async function listen(http: Server, port = 8787, host = '127.0.0.1'): Promise<AddressInfo> {
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    throw new RelayError('listen-failed', 'cannot listen', { cause });
  }
  return http.address() as AddressInfo;
}
