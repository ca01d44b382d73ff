/**
 * The send counter an {@link SFrameContext} owns per encrypt KID, and the receive-side replay
 * window. Both are synchronous so that callers can reserve/check before any `await`. @internal
 *
 * @module
 */
import { SFrameError } from './errors.js';

/**
 * A strictly increasing CTR source. {@link SendCounter.next} hands out each value once and throws
 * before going past `limit`, so no (key, nonce) pair is ever produced twice. @internal
 */
export class SendCounter {
  #next: bigint;
  readonly limit: bigint;

  constructor(start: bigint, limit: bigint) {
    this.#next = start;
    this.limit = limit;
  }

  /** The value the next call to {@link SendCounter.next} would return. */
  peek(): bigint {
    return this.#next;
  }

  /** Reserves and returns the next CTR. @throws SFrameError `'counter-exhausted'` */
  next(): bigint {
    const v = this.#next;
    if (v > this.limit) {
      throw new SFrameError('counter-exhausted', 'SFrame send counter exhausted for this KID; install a new key');
    }
    this.#next = v + 1n;
    return v;
  }
}

/**
 * Sliding replay window over CTR values (the shape of RFC 4303 §3.4.3's anti-replay window):
 * remembers the highest accepted CTR and which of the `size` values at or below it were seen.
 * @internal
 */
export class ReplayWindow {
  readonly #size: bigint;
  readonly #mask: bigint;
  #top = -1n;
  /** Bit i set ⇔ CTR (top − i) was accepted. */
  #seen = 0n;

  constructor(size: number) {
    this.#size = BigInt(size);
    this.#mask = (1n << this.#size) - 1n;
  }

  /** Whether `ctr` would be accepted now (not seen, not older than the window). */
  check(ctr: bigint): boolean {
    if (ctr > this.#top) return true;
    const d = this.#top - ctr;
    return d < this.#size && ((this.#seen >> d) & 1n) === 0n;
  }

  /** Checks and records `ctr` in one synchronous step; false if it must be rejected. */
  accept(ctr: bigint): boolean {
    if (!this.check(ctr)) return false;
    if (ctr > this.#top) {
      const shift = this.#top < 0n ? this.#size : ctr - this.#top;
      this.#seen = shift >= this.#size ? 1n : ((this.#seen << shift) | 1n) & this.#mask;
      this.#top = ctr;
    } else {
      this.#seen |= 1n << (this.#top - ctr);
    }
    return true;
  }
}
