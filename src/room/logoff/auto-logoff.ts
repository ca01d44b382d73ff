/**
 * Automatic log-off (45 CFR §164.312(a)(2)(iii); issue #6 §2): a timer that ends a session after
 * a period without user activity (`idleTimeoutMs`) or after a fixed total length
 * (`maxDurationMs`), and warns shortly before.
 *
 * It only decides *when*. On `'expired'` the room leaves, zeroes its keys and writes a
 * `'logged-off'` audit entry. Clock and timers are injectable so tests run without sleeping.
 *
 * Both limits are off by default: a clinician may sit silently through a long consult, so an
 * idle limit is a policy the app chooses (and the app decides what counts as activity).
 *
 * @module
 */
import { TypedEmitter } from '../../events.js';
import { SealError } from '../../errors.js';

/** Why the session was logged off. */
export type LogoffReason = 'idle' | 'max-duration';

/** Codes a {@link LogoffError} can carry: `'invalid-options'` (negative, non-finite or non-integer durations). */
export type LogoffErrorCode = 'invalid-options';

/**
 * Error thrown by {@link AutoLogoff} for unusable options.
 *
 * @example
 * ```ts
 * try { new AutoLogoff({ idleTimeoutMs: -1 }); } catch (e) { if (e instanceof LogoffError) … }
 * ```
 */
export class LogoffError extends SealError<LogoffErrorCode> {}

/** Clock and timers; defaults are `Date.now`, `setTimeout`, `clearTimeout`. */
export interface LogoffClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Schedule `callback` after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancel a timer made by `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** Options of {@link AutoLogoff}. A limit that is `undefined` or `0` is off. */
export interface AutoLogoffOptions {
  /** Log off after this long without {@link AutoLogoff.reportActivity}. Default off. */
  idleTimeoutMs?: number;
  /** Log off this long after {@link AutoLogoff.start}, activity or not. Default off. */
  maxDurationMs?: number;
  /** Warn this long before expiry (at most half the limit); `0` disables warnings. Default 60 000. */
  warnBeforeMs?: number;
  /** Called once on expiry, before the `'expired'` event. */
  onExpire?: (reason: LogoffReason) => void;
  /** Injected clock and timers (tests). */
  clock?: LogoffClock;
}

/** Events of {@link AutoLogoff}. */
export type AutoLogoffEvents = {
  /** Expiry is `remainingMs` away for `reason`; fires once per deadline (again after activity moves it). */
  warning: [info: { reason: LogoffReason; remainingMs: number }];
  /** The session expired; the timer has stopped. */
  expired: [info: { reason: LogoffReason }];
};

const defaultClock: LogoffClock = {
  now: () => Date.now(),
  setTimeout: (cb, ms) => globalThis.setTimeout(cb, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Idle and max-duration log-off timer.
 *
 * @throws {LogoffError} `'invalid-options'` from the constructor.
 * @example
 * ```ts
 * const logoff = new AutoLogoff({ idleTimeoutMs: 15 * 60_000, maxDurationMs: 2 * 3600_000, warnBeforeMs: 60_000 });
 * logoff.on('warning', ({ remainingMs }) => showStillThereDialog(remainingMs));
 * logoff.on('expired', ({ reason }) => room.leave({ reason: 'logged-off', logoff: reason }));
 * document.addEventListener('pointerdown', () => logoff.reportActivity());
 * logoff.start();
 * ```
 */
export class AutoLogoff extends TypedEmitter<AutoLogoffEvents> {
  readonly #idle: number;
  readonly #max: number;
  readonly #warnBefore: number;
  readonly #clock: LogoffClock;
  readonly #onExpire: ((reason: LogoffReason) => void) | undefined;
  #startedAt = 0;
  #lastActivity = 0;
  #timer: unknown;
  #hasTimer = false;
  #running = false;
  #expired: LogoffReason | undefined;
  #warnedFor: number | undefined;

  constructor(options: AutoLogoffOptions = {}) {
    super();
    this.#idle = checkMs('idleTimeoutMs', options.idleTimeoutMs ?? 0);
    this.#max = checkMs('maxDurationMs', options.maxDurationMs ?? 0);
    this.#warnBefore = checkMs('warnBeforeMs', options.warnBeforeMs ?? 60_000);
    this.#clock = options.clock ?? defaultClock;
    this.#onExpire = options.onExpire;
  }

  /** Whether any limit is configured. */
  get enabled(): boolean {
    return this.#idle > 0 || this.#max > 0;
  }

  /** The reason it expired, or `undefined` while it has not. */
  get expired(): LogoffReason | undefined {
    return this.#expired;
  }

  /** Start counting (idempotent while running). Does nothing when both limits are off. */
  start(): void {
    if (this.#running || this.#expired || !this.enabled) return;
    this.#running = true;
    this.#startedAt = this.#lastActivity = this.#clock.now();
    this.#schedule();
  }

  /** The user did something: push the idle deadline back. Ignored when stopped or expired. */
  reportActivity(): void {
    if (!this.#running) return;
    this.#lastActivity = this.#clock.now();
    this.#schedule();
  }

  /** Milliseconds until expiry, or `undefined` when not running. */
  remainingMs(): number | undefined {
    if (!this.#running) return undefined;
    return Math.max(0, this.#deadline().at - this.#clock.now());
  }

  /** Stop without expiring (the room left for another reason). Idempotent. */
  stop(): void {
    this.#running = false;
    this.#clearTimer();
  }

  #deadline(): { at: number; reason: LogoffReason; limit: number } {
    const idleAt = this.#idle > 0 ? this.#lastActivity + this.#idle : Infinity;
    const maxAt = this.#max > 0 ? this.#startedAt + this.#max : Infinity;
    // On a tie the hard limit wins: it is the one activity cannot move.
    return maxAt <= idleAt ? { at: maxAt, reason: 'max-duration', limit: this.#max } : { at: idleAt, reason: 'idle', limit: this.#idle };
  }

  #schedule(): void {
    this.#clearTimer();
    if (!this.#running) return;
    const now = this.#clock.now();
    const { at, reason, limit } = this.#deadline();
    if (now >= at) {
      this.#expire(reason);
      return;
    }
    const lead = this.#lead(limit);
    const next = this.#warnedFor !== at && lead > 0 ? Math.max(at - lead, now) : at;
    this.#hasTimer = true;
    this.#timer = this.#clock.setTimeout(() => this.#tick(), next - now);
  }

  /** Warn if the warning is due (and expiry is not), then let {@link #schedule} expire or re-arm. */
  #tick(): void {
    this.#hasTimer = false;
    if (!this.#running) return;
    const now = this.#clock.now();
    const { at, reason, limit } = this.#deadline();
    const lead = this.#lead(limit);
    if (now < at && this.#warnedFor !== at && lead > 0 && now >= at - lead) {
      this.#warnedFor = at;
      this.emit('warning', { reason, remainingMs: at - now });
    }
    this.#schedule();
  }

  /** How long before expiry to warn: `warnBeforeMs`, but at most half the limit (no warning right at start). */
  #lead(limit: number): number {
    return Math.min(this.#warnBefore, Math.floor(limit / 2));
  }

  #expire(reason: LogoffReason): void {
    this.#running = false;
    this.#clearTimer();
    this.#expired = reason;
    try {
      this.#onExpire?.(reason);
    } finally {
      this.emit('expired', { reason });
    }
  }

  #clearTimer(): void {
    if (this.#hasTimer) this.#clock.clearTimeout(this.#timer);
    this.#hasTimer = false;
  }
}

function checkMs(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LogoffError('invalid-options', `${name} must be a non-negative integer number of milliseconds`);
  }
  return value;
}
