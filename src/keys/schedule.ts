/**
 * The state of the group key schedule at one participant: its own sender keys (current,
 * pending, acknowledgements) and the keys it holds for other senders. No I/O: the session
 * decides when to send what; this module decides which key is which.
 *
 * ```
 *  own key:  current (in the sink, sealing frames) ──► pending (delivered, awaiting acks)
 *            switch when every member acked the pending key, or after switchTimeoutMs
 *  join:     current used → pending = ratchet(newest)      (joiner gets only the ratchet)
 *            pending not yet used → joiner is added to its audience (no frame was sealed)
 *  leave /   pending = fresh random key; delivered to the remaining members only
 *  rekey
 * ```
 *
 * @module
 */
import { randomBytes } from './crypto.js';
import { compareIds, zero } from './bytes.js';
import { KeyError } from './errors.js';
import { makeKid, parseKid, ratchetKey, SLOT_COUNT } from './kid.js';
import type { MediaKeySink } from './sink.js';

/** One of this participant's sender keys. */
export interface OwnKey {
  kid: number;
  epoch: number;
  key: Uint8Array;
}

/**
 * This participant's sender keys.
 *
 * @throws never
 * @example
 * ```ts
 * const own = new SenderKeys(sink);
 * own.fresh();                 // deliver own.pending to every member …
 * own.ack('bob', own.pending!.kid);
 * if (own.pendingAckedBy(['bob'])) own.switchNow();
 * ```
 */
export class SenderKeys {
  readonly #sink: MediaKeySink;
  slot: number;
  current: OwnKey | undefined;
  pending: (OwnKey & { acked: Set<string> }) | undefined;
  #nextEpoch = 0;

  constructor(sink: MediaKeySink, avoidSlots: ReadonlySet<number> = new Set()) {
    this.#sink = sink;
    this.slot = pickSlot(avoidSlots);
  }

  /** The newest key (pending if any): what a member must hold. */
  get newest(): OwnKey | undefined {
    return this.pending ?? this.current;
  }

  /** A fresh random pending key (leave, periodic rekey, new slot); replaces any pending key. */
  fresh(): OwnKey {
    return this.#setPending(randomBytes(32));
  }

  /** On a join: ratchet if the newest key has sealed frames; otherwise keep the unused pending key. */
  async forJoin(): Promise<OwnKey> {
    if (this.pending) return this.pending;
    if (!this.current) return this.fresh();
    return this.#setPending(await ratchetKey(this.current.key));
  }

  /** Choose a new slot (KID collision or start); the caller then makes a fresh key. */
  repick(avoidSlots: ReadonlySet<number>): void {
    this.slot = pickSlot(new Set([...avoidSlots, this.slot]));
  }

  #setPending(key: Uint8Array): OwnKey {
    if (this.pending) zero(this.pending.key);
    const epoch = this.#nextEpoch++;
    this.pending = { kid: makeKid(this.slot, epoch), epoch, key, acked: new Set() };
    return this.pending;
  }

  /** Record an ack; true when it acknowledged the pending key. */
  ack(peerId: string, kid: number): boolean {
    if (this.pending?.kid !== kid) return false;
    this.pending.acked.add(peerId);
    return true;
  }

  /** True when every id in `members` acknowledged the pending key. */
  pendingAckedBy(members: Iterable<string>): boolean {
    if (!this.pending) return false;
    for (const m of members) if (!this.pending.acked.has(m)) return false;
    return true;
  }

  /** Make the pending key the send key; retire and zero the previous one. */
  switchNow(): OwnKey | undefined {
    const next = this.pending;
    if (!next) return undefined;
    this.pending = undefined;
    const prev = this.current;
    this.current = { kid: next.kid, epoch: next.epoch, key: next.key };
    this.#sink.setSendKey(BigInt(next.kid), next.key);
    if (prev) {
      if (prev.kid !== next.kid) this.#sink.removeKey(BigInt(prev.kid));
      zero(prev.key);
    }
    return this.current;
  }

  /** Forget and zero everything (close). */
  destroy(): void {
    if (this.current) this.#sink.removeKey(BigInt(this.current.kid));
    zero(this.current?.key, this.pending?.key);
    this.current = undefined;
    this.pending = undefined;
  }
}

function pickSlot(avoid: ReadonlySet<number>): number {
  for (;;) {
    const b = randomBytes(2);
    const slot = (b[0]! << 8) | b[1]!;
    if (!avoid.has(slot) && avoid.size < SLOT_COUNT) return slot;
  }
}

/**
 * Keys this participant holds for other senders, by KID.
 *
 * @throws KeyError `'kid-conflict'` from {@link ReceiveKeys.resolveSlot}.
 * @example
 * ```ts
 * const rx = new ReceiveKeys(sink);
 * rx.resolveSlot('bob', kid, ownSlot, localId);
 * const superseded = rx.add('bob', kid, key);   // remove these after the overlap
 * ```
 */
export class ReceiveKeys {
  readonly #sink: MediaKeySink;
  /** kid → owner peer id. */
  readonly #owner = new Map<number, string>();
  /** peer id → its kids, oldest first. */
  readonly #byPeer = new Map<string, number[]>();
  /** Most keys held per sender; older ones are dropped first. */
  static readonly MAX_PER_PEER = 4;

  constructor(sink: MediaKeySink) {
    this.#sink = sink;
  }

  /** The participant using `slot`, if any. */
  slotOwner(slot: number): string | undefined {
    for (const [kid, owner] of this.#owner) if (parseKid(kid).slot === slot) return owner;
    return undefined;
  }

  /** Every slot in use by other senders. */
  slots(): Set<number> {
    return new Set([...this.#owner.keys()].map((k) => parseKid(k).slot));
  }

  /**
   * Check a peer's new KID against the slots in use. The lower peer id keeps a contested slot:
   * returns `'repick-own'` when this participant must move, evicts a higher-id holder, and
   * throws when the peer itself must move.
   *
   * @throws KeyError `'kid-conflict'`.
   */
  resolveSlot(peerId: string, kid: number, ownSlot: number, localId: string): 'ok' | 'repick-own' {
    const { slot } = parseKid(kid);
    let verdict: 'ok' | 'repick-own' = 'ok';
    if (slot === ownSlot) {
      if (compareIds(localId, peerId) < 0) throw new KeyError('kid-conflict', 'peer key uses this sender slot');
      verdict = 'repick-own';
    }
    const holder = this.slotOwner(slot);
    if (holder !== undefined && holder !== peerId) {
      if (compareIds(holder, peerId) < 0) throw new KeyError('kid-conflict', 'peer key uses another sender slot');
      // Evict only the loser's keys in this slot: its key in the slot it moved to may already be
      // here (messages from different senders are not ordered), and must stay.
      for (const k of [...(this.#byPeer.get(holder) ?? [])]) if (parseKid(k).slot === slot) this.remove(k);
    }
    return verdict;
  }

  has(peerId: string, kid: number): boolean {
    return this.#owner.get(kid) === peerId;
  }

  latest(peerId: string): number | undefined {
    return this.#byPeer.get(peerId)?.at(-1);
  }

  /** Install a peer's key in the sink (the caller zeroes `key`); returns the kids now superseded. */
  add(peerId: string, kid: number, key: Uint8Array): number[] {
    this.#sink.addReceiveKey(peerId, BigInt(kid), key);
    this.#owner.set(kid, peerId);
    const list = this.#byPeer.get(peerId) ?? [];
    list.push(kid);
    this.#byPeer.set(peerId, list);
    while (list.length > ReceiveKeys.MAX_PER_PEER) this.remove(list[0]!);
    return list.slice(0, -1);
  }

  /** Remove one key (no-op if already gone). */
  remove(kid: number): void {
    const owner = this.#owner.get(kid);
    if (owner === undefined) return;
    this.#owner.delete(kid);
    const list = this.#byPeer.get(owner);
    if (list) {
      const i = list.indexOf(kid);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.#byPeer.delete(owner);
    }
    this.#sink.removeKey(BigInt(kid));
  }

  /** Remove superseded keys of a peer after the overlap (those it still owns). */
  retire(peerId: string, kids: readonly number[]): void {
    for (const kid of kids) if (this.has(peerId, kid)) this.remove(kid);
  }

  /** Remove every key of a peer (it left, or lost a slot conflict). */
  removePeer(peerId: string): void {
    for (const kid of [...(this.#byPeer.get(peerId) ?? [])]) this.remove(kid);
  }

  /** Remove everything (close). */
  clear(): void {
    for (const kid of [...this.#owner.keys()]) this.remove(kid);
  }
}
