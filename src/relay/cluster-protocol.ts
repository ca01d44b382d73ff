/**
 * The IPC messages between the primary of a multi-core relay and its worker processes
 * (`cluster.ts`, `worker-main.ts`), sent with Node's "advanced" serialization.
 *
 * @module
 */
import type { RelayLimits } from './limits.js';
import type { LogLevel } from './log.js';
import type { RelayMetrics } from './metrics.js';
import type { TokenKey } from './tokens.js';

/** Primary → worker. A `conn` message carries the socket as its handle. */
export type ToWorker =
  | { t: 'init'; limits: RelayLimits; logLevel: LogLevel | 'silent'; tokenKey: TokenKey | undefined; redisUrl: string | undefined; redisNodeTtlMs: number | undefined }
  | { t: 'conn'; pending: Uint8Array }
  | { t: 'metrics'; id: number }
  | { t: 'close'; drainMs: number };

/** Worker → primary. */
export type ToPrimary =
  | { t: 'ready'; nodeId: string }
  | { t: 'failed'; code: string }
  | { t: 'log'; line: string }
  | { t: 'metrics'; id: number; metrics: RelayMetrics };
