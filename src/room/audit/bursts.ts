/**
 * Turns a stream of decryption failures into the occasional `decryption-failure-burst` audit
 * entry. A single failed frame is normal (a late frame after a rekey), and one entry per failure
 * would flood the log. A burst is `threshold` failures from one participant within `windowMs`.
 *
 * @module
 */
import { AuditError } from './errors.js';
import type { AuditDetails } from './schema.js';

/** Options of {@link FailureBurstDetector}. */
export interface FailureBurstOptions {
  /** Failures within the window that make a burst. Default 10. */
  threshold?: number;
  /** Window length, and the quiet period after a reported burst. Default 5 000 ms. */
  windowMs?: number;
  /** Clock (ms); default `Date.now`. */
  now?: () => number;
}

/**
 * Counts failures per participant and reports a burst at most once per window.
 *
 * @throws {AuditError} `'invalid-options'` from the constructor.
 * @example
 * ```ts
 * const bursts = new FailureBurstDetector();
 * worker.on('decrypt-failed', (pid) => {
 *   const burst = bursts.record(pid);
 *   if (burst) void audit.append('decryption-failure-burst', burst);
 * });
 * ```
 */
export class FailureBurstDetector {
  readonly #threshold: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #state = new Map<string, { times: number[]; quietUntil: number }>();

  constructor(options: FailureBurstOptions = {}) {
    this.#threshold = options.threshold ?? 10;
    this.#windowMs = options.windowMs ?? 5000;
    this.#now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.#threshold) || this.#threshold < 1 || !Number.isSafeInteger(this.#windowMs) || this.#windowMs < 1) {
      throw new AuditError('invalid-options', 'threshold and windowMs must be positive integers');
    }
  }

  /** Record one failure; returns the audit details when this failure completes a burst. */
  record(participantId: string): AuditDetails<'decryption-failure-burst'> | undefined {
    const now = this.#now();
    const s = this.#state.get(participantId) ?? { times: [], quietUntil: -Infinity };
    this.#state.set(participantId, s);
    s.times = s.times.filter((t) => t > now - this.#windowMs);
    s.times.push(now);
    if (now < s.quietUntil || s.times.length < this.#threshold) return undefined;
    const count = s.times.length;
    s.times = [];
    s.quietUntil = now + this.#windowMs;
    return { participantId, count, windowMs: this.#windowMs };
  }

  /** Forget a participant (it left). */
  forget(participantId: string): void {
    this.#state.delete(participantId);
  }
}
