/**
 * Small pieces of the client's resume logic: jittered reconnect backoff, end-to-end duplicate
 * detection per sender instance, and normalising what a WebSocket hands to `onmessage`.
 *
 * @module
 */

/** Reconnect policy of `WebSocketSignaling`. */
export interface ReconnectOptions {
  /** First retry delay. Default 250 ms. */
  minDelayMs?: number;
  /** Delay cap. Default 5 000 ms. */
  maxDelayMs?: number;
  /** Stop retrying (error `'relay-unreachable'`) after this long without a join. Default 30 000 ms. */
  giveUpAfterMs?: number;
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random) so that many clients
 * dropped by the same relay restart do not reconnect in lockstep. The jitter only spreads
 * timing; it protects nothing, so `Math.random` is adequate here.
 */
export class Backoff {
  readonly #min: number;
  readonly #max: number;
  readonly #budget: number;
  #attempt = 0;
  #since: number | undefined;

  constructor(o: ReconnectOptions = {}) {
    this.#min = o.minDelayMs ?? 250;
    this.#max = o.maxDelayMs ?? 5_000;
    this.#budget = o.giveUpAfterMs ?? 30_000;
  }

  /** Next delay in ms, or `undefined` once the budget is spent. */
  next(): number | undefined {
    const now = Date.now();
    this.#since ??= now;
    if (now - this.#since >= this.#budget) return undefined;
    const base = Math.min(this.#max, this.#min * 2 ** Math.min(this.#attempt++, 20));
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  /** A join succeeded: start over. */
  reset(): void {
    this.#attempt = 0;
    this.#since = undefined;
  }
}

/**
 * Remembers, per sender, the sender's instance id and the highest sequence number seen.
 * The relay keeps each sender's messages in order, so anything at or below the mark is a
 * duplicate (a resend after a reconnect). A new instance (the peer restarted) resets the mark.
 */
export class SeenTracker {
  readonly #last = new Map<string, { instance: string; seq: number }>();

  /** `true` the first time (from, instance, seq) is seen in order; `false` for a duplicate. */
  accept(from: string, instance: Uint8Array, seq: number): boolean {
    const id = hex(instance);
    const cur = this.#last.get(from);
    if (cur && cur.instance === id && seq <= cur.seq) return false;
    this.#last.set(from, { instance: id, seq });
    return true;
  }

  /** Drop the state of a departed peer. */
  forget(from: string): void {
    this.#last.delete(from);
  }
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** The bytes of a binary WebSocket message (ArrayBuffer, view, or Node Buffer list); `undefined` for text. */
export function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** A message awaiting the relay's ack. */
export interface Pending {
  seq: number;
  to: string;
  payload: Uint8Array;
}

/** Outgoing messages in sequence order until the relay acks them (cumulatively). */
export class SendQueue {
  readonly items: Pending[] = [];

  /** Forget every message up to and including `seq`. */
  ackUpTo(seq: number): void {
    let i = 0;
    while (i < this.items.length && (this.items[i] as Pending).seq <= seq) i++;
    if (i > 0) this.items.splice(0, i);
  }
}

/** Run an app callback; a throw is re-raised asynchronously so it surfaces without breaking us. */
export function safeCall(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
