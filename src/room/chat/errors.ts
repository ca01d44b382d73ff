/**
 * The failure family of chat sealing.
 *
 * Any failed signature or AEAD check is the one code `'auth-failed'` (no oracle). Messages never
 * contain chat text, keys or counters' secrets.
 *
 * @module
 */
import { SealError } from '../../errors.js';

/**
 * Codes a {@link ChatError} can carry.
 *
 * - `'auth-failed'` — the sender signature or the AES-GCM tag did not verify (tampering, forged
 *   sender, wrong epoch key).
 * - `'unknown-key'` — no key is held for this sender and epoch (a late joiner reading history,
 *   a departed sender, a retired epoch).
 * - `'replay'` — this sender/epoch/counter was already accepted, or is older than the window.
 * - `'counter-exhausted'` — the sender used up its message budget for this epoch; rekey first.
 * - `'malformed-message'` — not a chat envelope of this version.
 * - `'invalid-options'` — unusable sender id, epoch, key or identity key.
 * - `'closed'` — used after `close()`.
 * - `'wrong-sender'` — a valid envelope sealed by a member other than the one whose data channel
 *   carried it (the room binds received chat to the connection it came in on), or chat/file
 *   data that arrived through the relay instead of a data channel.
 */
export type ChatErrorCode =
  | 'auth-failed' | 'unknown-key' | 'replay' | 'counter-exhausted' | 'malformed-message' | 'invalid-options' | 'closed' | 'wrong-sender';

/**
 * Error raised by chat sealing and opening.
 *
 * @example
 * ```ts
 * try { const m = await receiver.open(bytes); } catch (e) {
 *   if (e instanceof ChatError && e.code === 'auth-failed') audit.append('decryption-failure-burst', …);
 * }
 * ```
 */
export class ChatError extends SealError<ChatErrorCode> {}
