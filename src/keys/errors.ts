/**
 * The error family of the key layer: identities, the pairwise handshake and channels,
 * and the group key schedule.
 *
 * @module
 */
import { SealError } from '../errors.js';

/** Why a key-layer operation failed or a network message was dropped. */
export type KeyErrorCode =
  /** Identity bytes could not be imported. */
  | 'invalid-identity'
  /** A handshake signature did not verify (strict RFC 8032 verification). */
  | 'bad-signature'
  /** An X25519 public key of low order / an all-zero shared secret (RFC 7748 §6.1). */
  | 'low-order-point'
  /** A revealed X25519 key does not match the commitment sent earlier. */
  | 'commit-mismatch'
  /** A peer's card lacks a valid attestation by the app's server key. */
  | 'attestation-failed'
  /** A message for another room, another recipient, or whose sender fields disagree. */
  | 'misrouted'
  /** A sealed channel message did not authenticate. */
  | 'auth-failed'
  /** A channel message was seen before (or is older than the receive window). */
  | 'replay'
  /** Too many out-of-order channel messages are waiting for a gap to fill. */
  | 'reorder-overflow'
  /** A message that makes no sense in the current state (e.g. an ack for a key never sent). */
  | 'unexpected-message'
  /** `sendToPeer` to someone without an authenticated channel. */
  | 'not-connected'
  /** A channel's 64-bit message counter would exceed its limit. */
  | 'counter-exhausted'
  /** A peer announced a media KID that another participant already uses. */
  | 'kid-conflict'
  /** The session was closed. */
  | 'closed';

/**
 * A key-layer failure. Messages never contain key material or plaintext.
 *
 * @example
 * ```ts
 * session.on('error', (e) => {
 *   if (e instanceof KeyError && e.code === 'bad-signature') warnUser('possible interception');
 * });
 * ```
 */
export class KeyError extends SealError<KeyErrorCode> {}
