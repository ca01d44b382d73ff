/**
 * `sealrtc/relay` — the reference signaling relay (Node only: `ioredis`, `node:*`).
 * Never imported by the browser entry.
 *
 * @packageDocumentation
 */
export { createRelayServer, RelayError } from './server.js';
export type { RelayServer, RelayServerOptions } from './server.js';
export { createRelayCluster } from './cluster.js';
export type { RelayCluster, RelayClusterOptions } from './cluster.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { RelayLimits } from './limits.js';
export { signJoinToken, verifyJoinToken, JoinTokenError } from './tokens.js';
export type { JoinClaims, TokenKey, TokenSigningKey } from './tokens.js';
export type { RelayMetrics } from './metrics.js';
export type { LogLevel, LogSink, LogFields } from './log.js';
export { CLOSE_CODES } from './conn.js';
