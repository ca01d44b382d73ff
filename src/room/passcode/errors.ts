/**
 * The failure family of the room passcode: missing, wrong, rate-limited, or a malformed
 * message in the verification protocol.
 *
 * Messages never contain the passcode, the stretched key or the proof.
 *
 * @module
 */
import { SealError } from '../../errors.js';

/**
 * Codes a {@link PasscodeError} can carry.
 *
 * - `'passcode-required'` — the host asked for a passcode and the joiner has none.
 * - `'passcode-wrong'` — the proof did not verify (wrong passcode, or a proof bound to another
 *   challenge / channel).
 * - `'rate-limited'` — too many failed attempts; `retryAfterMs` says when to try again.
 * - `'malformed-message'` — a protocol message had the wrong kind, version, length or parameters.
 * - `'no-challenge'` — the host got a response it had not asked for (or the challenge expired).
 * - `'invalid-options'` — unusable room id, binding or Argon2id parameters.
 * - `'closed'` — the verifier was closed.
 */
export type PasscodeErrorCode =
  | 'passcode-required'
  | 'passcode-wrong'
  | 'rate-limited'
  | 'malformed-message'
  | 'no-challenge'
  | 'invalid-options'
  | 'closed';

/**
 * Error raised by the passcode protocol.
 *
 * @example
 * ```ts
 * try { readPasscodeResult(reply); } catch (e) {
 *   if (e instanceof PasscodeError && e.code === 'rate-limited') wait(e.retryAfterMs);
 * }
 * ```
 */
export class PasscodeError extends SealError<PasscodeErrorCode> {
  /** For `'rate-limited'`: milliseconds until the host accepts another attempt. */
  readonly retryAfterMs: number | undefined;

  constructor(code: PasscodeErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(code, message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}
