/**
 * `MemorySignalingHub`: an in-process {@link Signaling} relay for tests, with the hooks a
 * hostile-relay test needs — observe, alter, drop, duplicate or reorder every envelope in
 * transit, inject forged ones, and read the full transcript of what the relay saw.
 *
 * Delivery is asynchronous (a macrotask per batch) and FIFO, like a real relay over one
 * connection per endpoint; nothing depends on wall-clock time.
 *
 * @module
 */
import type { Signaling } from '../signaling/types.js';

/** One message as the relay sees it. `to` is a peer id or `'*'` (broadcast, in the transcript only). */
export interface Envelope {
  from: string;
  to: string;
  data: Uint8Array;
}

/**
 * Sees each per-recipient envelope at send time. Return `undefined` to deliver it unchanged,
 * `null` or `[]` to drop it, or one or more envelopes to deliver instead (altered, duplicated,
 * re-addressed, with a lying `from`…).
 */
export type Interceptor = (envelope: Envelope) => Envelope | readonly Envelope[] | null | undefined | void;

/** A hub endpoint: the {@link Signaling} a session uses, plus `close()` (announces a departure). */
export interface MemorySignaling extends Signaling {
  /** Leave the hub: the other endpoints see this one depart. */
  close(): void;
}

interface Endpoint {
  message: Set<(from: string, data: Uint8Array) => void>;
  left: Set<(peerId: string) => void>;
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * An in-memory relay for one room.
 *
 * @example
 * ```ts
 * const hub = new MemorySignalingHub();
 * hub.intercept((env) => (env.from === 'mallory' ? null : undefined));   // drop mallory's traffic
 * const a = new GroupKeySession({ roomId, identity, signaling: hub.connect('alice'), keySink });
 * ```
 */
export class MemorySignalingHub {
  /** Every envelope endpoints sent, in order, exactly as the relay received it. */
  readonly transcript: Envelope[] = [];
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #queue: Envelope[] = [];
  #interceptor: Interceptor | undefined;
  #scheduled = false;
  #record = true;

  /** Install (or remove, with `undefined`) the in-transit hook. */
  intercept(fn: Interceptor | undefined): void {
    this.#interceptor = fn;
  }

  /** Stop or resume recording the transcript (benchmarks with many messages). */
  recordTranscript(on: boolean): void {
    this.#record = on;
  }

  /** Ids currently connected. */
  get ids(): string[] {
    return [...this.#endpoints.keys()];
  }

  /** Envelopes waiting for delivery. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Join the room as `id`.
   *
   * @throws Error if `id` is connected already or is `'*'`.
   */
  connect(id: string): MemorySignaling {
    if (id === '*' || this.#endpoints.has(id)) throw new Error(`id ${id} unavailable`);
    const ep: Endpoint = { message: new Set(), left: new Set() };
    this.#endpoints.set(id, ep);
    return {
      localId: id,
      send: (to, data) => this.#send({ from: id, to, data: new Uint8Array(data) }),
      onMessage: (l) => {
        ep.message.add(l);
        return () => ep.message.delete(l);
      },
      onPeerLeft: (l) => {
        ep.left.add(l);
        return () => ep.left.delete(l);
      },
      close: () => this.disconnect(id),
    };
  }

  /** Remove an endpoint and tell everyone else it left (transport presence). */
  disconnect(id: string): void {
    if (!this.#endpoints.delete(id)) return;
    for (const ep of this.#endpoints.values()) for (const l of [...ep.left]) l(id);
  }

  /** Announce a departure without disconnecting anyone (a lying relay). */
  fakeLeave(id: string, to?: string): void {
    for (const [eid, ep] of this.#endpoints) if (to === undefined || to === eid) for (const l of [...ep.left]) l(id);
  }

  /** Deliver a forged envelope (bypasses the interceptor and the transcript). */
  inject(envelope: Envelope): void {
    this.#enqueue({ ...envelope, data: new Uint8Array(envelope.data) });
  }

  /**
   * Wait until no envelope is in flight and every given party is idle, repeatedly, so chains
   * of messages play out. Bounded: gives up after `maxRounds` and rejects.
   */
  async settle(parties: readonly { idle(): Promise<void> }[] = [], maxRounds = 10_000): Promise<void> {
    let quiet = 0;
    for (let i = 0; i < maxRounds; i++) {
      await tick();
      await Promise.all(parties.map((p) => p.idle()));
      quiet = this.#queue.length === 0 && !this.#scheduled ? quiet + 1 : 0;
      if (quiet >= 3) return;
    }
    throw new Error('hub did not settle');
  }

  #send(env: Envelope): void {
    if (!this.#endpoints.has(env.from)) return; // a closed endpoint sends nothing
    if (this.#record) this.transcript.push({ ...env, data: new Uint8Array(env.data) });
    const targets = env.to === '*' ? [...this.#endpoints.keys()].filter((id) => id !== env.from) : [env.to];
    for (const to of targets) {
      const one = { from: env.from, to, data: new Uint8Array(env.data) };
      const out = this.#interceptor ? this.#interceptor(one) : undefined;
      if (out === undefined) this.#enqueue(one);
      else if (out !== null) for (const e of Array.isArray(out) ? out : [out as Envelope]) this.#enqueue(e);
    }
  }

  #enqueue(env: Envelope): void {
    this.#queue.push(env);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => this.#drain(), 0);
  }

  #drain(): void {
    this.#scheduled = false;
    const batch = this.#queue.splice(0);
    for (const env of batch) {
      const targets = env.to === '*' ? [...this.#endpoints.keys()].filter((id) => id !== env.from) : [env.to];
      for (const to of targets) {
        const ep = this.#endpoints.get(to);
        if (!ep) continue;
        for (const l of [...ep.message]) l(env.from, new Uint8Array(env.data));
      }
    }
  }
}
