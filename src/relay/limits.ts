/**
 * The relay's limits (every one configurable) and the token bucket that enforces rates.
 *
 * @module
 */

/** Every limit of the relay. Defaults in {@link DEFAULT_LIMITS}. */
export interface RelayLimits {
  /** Largest opaque payload in one SEND. Larger → `'message-too-large'` (message dropped). */
  maxPayloadBytes: number;
  /** Messages per second per connection (token bucket; burst = 2×). Excess → `'rate-limited'`. */
  maxMessagesPerSec: number;
  /** Payload bytes per second per connection (burst = 2×). Excess → `'rate-limited'`. */
  maxBytesPerSec: number;
  /** Rate-limited messages within 10 s before the connection is closed with `'flood'`. */
  floodStrikes: number;
  /** Peers in one room (across all relay processes with Redis). More → `'room-full'`. */
  maxPeersPerRoom: number;
  /** Rooms on this process. More → `'too-many-rooms'`. */
  maxRooms: number;
  /** Open WebSocket connections on this process. More → `'server-full'`. */
  maxConnections: number;
  /** Close a connection that sent nothing (not even a ping) for this long: `'idle-timeout'`. */
  idleTimeoutMs: number;
  /** A connection must JOIN within this long: `'join-timeout'`. */
  joinTimeoutMs: number;
  /** Keep a dropped peer's session (and its undelivered messages) this long for a resume. */
  resumeGraceMs: number;
  /** Unacknowledged bytes buffered per session; beyond → `'slow-reader'` (or session ends in grace). */
  maxOutboxBytes: number;
  /** Socket send-buffer (`bufferedAmount`) above which a reader counts as slow: `'slow-reader'`. */
  maxBufferedBytes: number;
}

/** Sane defaults for a small deployment. */
export const DEFAULT_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxPayloadBytes: 64 * 1024,
  maxMessagesPerSec: 100,
  maxBytesPerSec: 1024 * 1024,
  floodStrikes: 200,
  maxPeersPerRoom: 50,
  maxRooms: 10_000,
  maxConnections: 10_000,
  idleTimeoutMs: 60_000,
  joinTimeoutMs: 10_000,
  resumeGraceMs: 10_000,
  maxOutboxBytes: 2 * 1024 * 1024,
  maxBufferedBytes: 1024 * 1024,
});

/**
 * The hard cap on one WebSocket message: twice the payload limit plus room for the envelope.
 * A SEND up to it gets the polite `'message-too-large'`; beyond it the connection closes (1009)
 * before the payload is even buffered.
 */
export function maxWireMessageBytes(l: RelayLimits): number {
  return l.maxPayloadBytes * 2 + 1024;
}

/** A token bucket refilled continuously at `rate` per second up to `burst`. */
export class TokenBucket {
  #tokens: number;
  #at: number;
  constructor(readonly rate: number, readonly burst: number, now: number) {
    this.#tokens = burst;
    this.#at = now;
  }

  /** Take `n` tokens if available. */
  take(n: number, now: number): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}
