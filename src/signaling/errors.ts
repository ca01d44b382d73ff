/**
 * Errors of the signaling layer: the WebSocket client and the codes the relay sends it.
 *
 * @module
 */
import { SealError } from '../errors.js';

/**
 * Why a signaling operation failed or a connection ended.
 *
 * - `relay-unreachable` — no relay answered within the connect / reconnect budget.
 * - `join-denied` — the join token is missing, invalid, expired or for another room/peer.
 * - `room-full`, `server-full`, `too-many-rooms` — a relay limit refused the join.
 * - `peer-id-taken` — another live connection holds this peer id (and not our resume key).
 * - `closed` — `close()` was called, or the object is already closed.
 * - `message-too-large` — a payload exceeds the relay's announced maximum.
 * - `send-buffer-full` — too many messages await the relay's acknowledgement.
 * - `rate-limited`, `unknown-target` — the relay dropped one message (non-fatal).
 * - `malformed-envelope`, `text-frame`, `flood`, `not-joined` — the relay closed us for bad input.
 * - `protocol-error` — the relay sent something this client does not understand.
 * - `aborted` — the caller's `AbortSignal` fired while connecting.
 */
export type SignalingErrorCode =
  | 'relay-unreachable'
  | 'join-denied'
  | 'room-full'
  | 'server-full'
  | 'too-many-rooms'
  | 'peer-id-taken'
  | 'closed'
  | 'message-too-large'
  | 'send-buffer-full'
  | 'rate-limited'
  | 'unknown-target'
  | 'malformed-envelope'
  | 'text-frame'
  | 'flood'
  | 'not-joined'
  | 'protocol-error'
  | 'aborted';

const KNOWN = new Set<string>([
  'relay-unreachable', 'join-denied', 'room-full', 'server-full', 'too-many-rooms', 'peer-id-taken',
  'closed', 'message-too-large', 'send-buffer-full', 'rate-limited', 'unknown-target',
  'malformed-envelope', 'text-frame', 'flood', 'not-joined', 'protocol-error', 'aborted',
]);

/**
 * A signaling failure. Branch on `code`; the message never contains payload bytes or tokens.
 *
 * @example
 * ```ts
 * try { await WebSocketSignaling.connect(opts); }
 * catch (e) { if (e instanceof SignalingError && e.code === 'join-denied') refreshToken(); }
 * ```
 */
export class SignalingError extends SealError<SignalingErrorCode> {}

/** Map a code received from the (untrusted) relay onto the known union. */
export function relayCode(code: string): SignalingErrorCode {
  return KNOWN.has(code) ? (code as SignalingErrorCode) : 'protocol-error';
}
