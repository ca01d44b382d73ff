/**
 * The error family of the control protocol: bytes from the network that are not a
 * well-formed, supported, size-limited sealrtc control message.
 *
 * @module
 */
import { SealError } from '../errors.js';

/** Why a control message was rejected by the codec. */
export type ProtocolErrorCode = 'malformed-message' | 'unsupported-version' | 'message-too-large';

/**
 * A control message failed decoding or validation. The message names the field that failed,
 * never its content.
 *
 * @example
 * ```ts
 * try { decodeWire(bytes); } catch (e) {
 *   if (e instanceof ProtocolError && e.code === 'unsupported-version') askPeerToUpgrade();
 * }
 * ```
 */
export class ProtocolError extends SealError<ProtocolErrorCode> {}
