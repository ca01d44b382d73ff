/**
 * The failure family of the audit trail: refusing details that could carry PHI or keys,
 * rejecting unusable verification input, and reporting a sink that could not persist an entry.
 *
 * Messages name the field or the rule that failed, never the refused value (it may be PHI).
 *
 * @module
 */
import { SealError } from '../../errors.js';

/**
 * Codes an {@link AuditError} can carry.
 *
 * - `'unknown-event-type'` — `append` was given a type outside {@link AuditEventType}.
 * - `'details-refused'` — a details object had a field the type's whitelist does not allow, or a
 *   value of the wrong shape (free text, non-integer, too long): the log never stores it.
 * - `'sink-failed'` — the app's sink threw or rejected; the entry is still in memory (emitted as an
 *   `'error'` event, never thrown from `append`).
 * - `'invalid-key'` — a public or secret key had the wrong length.
 * - `'invalid-options'` — an unusable clock reading or helper option.
 * - `'closed'` — `append` after `close()`.
 */
export type AuditErrorCode = 'unknown-event-type' | 'details-refused' | 'sink-failed' | 'invalid-key' | 'invalid-options' | 'closed';

/**
 * Error raised or emitted by the audit trail.
 *
 * @example
 * ```ts
 * try { await log.append('joined', { participantId: 'p1', note: 'x' } as never); }
 * catch (e) { if (e instanceof AuditError && e.code === 'details-refused') { … } }
 * ```
 */
export class AuditError extends SealError<AuditErrorCode> {}
