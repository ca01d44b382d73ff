/**
 * The failure family of the SFrame layer: one {@link SFrameError} class with a stable string code.
 *
 * Authentication failures all carry the same code and the same message, with no `cause`, whatever
 * went wrong inside the AEAD (wrong key, flipped bit, wrong suite, truncated tag): the caller learns
 * "this frame is not authentic" and nothing else, so the error is no oracle.
 *
 * @module
 */
import { SealError } from '../errors.js';

/**
 * Why an SFrame operation failed.
 *
 * - `'malformed-header'` — the SFrame header is truncated or not minimally encoded (RFC 9605 §4.3).
 * - `'unknown-key'` — no key is installed for the KID (encrypt) or the frame's KID (decrypt).
 * - `'auth-failed'` — the frame did not authenticate; every AEAD failure looks like this.
 * - `'replay'` — the CTR was already accepted, or is older than the replay window.
 * - `'counter-exhausted'` — the send counter reached the suite's safe limit; install a new key.
 * - `'unsupported-suite'` — the cipher suite id is not one of RFC 9605 §4.5's five suites.
 * - `'invalid-argument'` — a KID/CTR outside 0…2^64 − 1, a base key too short, a bad option.
 * - `'crypto-unavailable'` — no WebCrypto here (an insecure browser context, or an old runtime).
 */
export type SFrameErrorCode =
  | 'malformed-header'
  | 'unknown-key'
  | 'auth-failed'
  | 'replay'
  | 'counter-exhausted'
  | 'unsupported-suite'
  | 'invalid-argument'
  | 'crypto-unavailable';

/**
 * Error thrown by every function of `sealrtc/sframe`. Messages never contain key, salt, nonce or
 * frame bytes.
 *
 * @example
 * ```ts
 * try { await ctx.decrypt(meta, frame); } catch (e) {
 *   if (e instanceof SFrameError && e.code === 'replay') return; // drop the duplicate
 *   throw e;
 * }
 * ```
 */
export class SFrameError extends SealError<SFrameErrorCode> {}

/** The one error every authentication failure becomes (no cause, same text). @internal */
export function authFailed(): SFrameError {
  return new SFrameError('auth-failed', 'SFrame authentication failed');
}
