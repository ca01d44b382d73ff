/**
 * `GroupKeySession`: one participant's control plane for one call. It authenticates every
 * peer through a pairwise handshake, runs the group key schedule (join ratchet, leave rekey,
 * periodic rekey) over the pairwise channels, hands media keys to a {@link MediaKeySink}, and
 * carries application bytes (WebRTC SDP/ICE, chat) inside the channels.
 *
 * Every network message goes through one queue, is validated field by field, and on any
 * failure is dropped with an `'error'` event — never a throw out of the receive path, never a
 * state change. Everything is bound to the authenticated channel, not to the claimed sender.
 *
 * @module
 */
import { SealError } from '../errors.js';
import { TypedEmitter } from '../events.js';
import { decodeWire, encodeWire } from '../protocol/codec.js';
import { ProtocolError } from '../protocol/errors.js';
import { LIMITS, type ChannelMessage, type SealedMessage } from '../protocol/messages.js';
import type { Signaling } from '../signaling/types.js';
import { zero } from './bytes.js';
import type { PairwiseChannel } from './channel.js';
import { KeyError } from './errors.js';
import { createEphemeral, type EphemeralKey, type PartyKeys } from './handshake.js';
import type { Identity } from './identity.js';
import { parseKid } from './kid.js';
import { Pairing, type AuthenticatedPeer } from './pairing.js';
import { ReceiveKeys, SenderKeys } from './schedule.js';
import { SessionTimers } from './timers.js';
import { checkKnownIdentity, type KnownIdentityStore } from './trust.js';
import type { GroupKeySessionEvents, GroupKeySessionOptions, PeerInfo } from './session-types.js';
import { callCode, peerInfo } from './verification.js';

/** Exhaustiveness guard for the message unions (unreachable once the codec validated). */
function unknownMessage(m: never): KeyError {
  return new KeyError('unexpected-message', `unknown message type ${String((m as { t?: unknown }).t)}`);
}

interface Peer {
  keys: PartyKeys;
  info: PeerInfo;
  channel: PairwiseChannel;
}

/**
 * One participant's authenticated key agreement and group key schedule for a call.
 *
 * @throws KeyError `'closed'`/`'not-connected'` from {@link GroupKeySession.sendToPeer}; network
 *   problems are `'error'` events, never exceptions.
 * @example
 * ```ts
 * const session = new GroupKeySession({ roomId, identity: createIdentity(), signaling, keySink });
 * session.on('peer-joined', (p) => console.log(p.id, p.safetyNumber));
 * session.on('peer-message', (from, bytes) => handleSignal(from, bytes));
 * await session.start();
 * ```
 */
export class GroupKeySession extends TypedEmitter<GroupKeySessionEvents> {
  readonly localId: string;
  readonly #room: string;
  readonly #identity: Identity;
  readonly #signaling: Signaling;
  readonly #opts: { rekey: number; switch: number; overlap: number };
  readonly #trust: KnownIdentityStore | undefined;
  readonly #attestationKey: Uint8Array | undefined;
  readonly #peers = new Map<string, Peer>();
  readonly #infos = new Map<string, PeerInfo>();
  readonly #hold: ((peer: PeerInfo) => boolean) | undefined;
  readonly #held = new Set<string>(); // authenticated, but no key of ours sent yet (lobby)
  readonly #timers = new SessionTimers((task) => void this.#enqueue(task));
  readonly #own: SenderKeys;
  readonly #receive: ReceiveKeys;
  #currentAcked = new Set<string>();
  #eph: EphemeralKey | undefined;
  #pairing: Pairing | undefined;
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void)[] = [];
  #callCode = '';
  #delivered = false;
  #state: 'new' | 'started' | 'closed' = 'new';
  #closing: Promise<void> | undefined;

  constructor(opts: GroupKeySessionOptions) {
    super();
    this.localId = opts.signaling.localId;
    this.#room = opts.roomId;
    this.#identity = opts.identity;
    this.#signaling = opts.signaling;
    const { rekeyIntervalMs: rekey = 600_000, switchTimeoutMs = 1000, overlapMs: overlap = 1000 } = opts;
    this.#opts = { rekey, switch: Math.min(switchTimeoutMs, 1000), overlap };
    this.#trust = opts.trustStore;
    this.#hold = opts.holdKeys;
    this.#attestationKey = opts.attestationKey && new Uint8Array(opts.attestationKey);
    this.#own = new SenderKeys(opts.keySink);
    this.#receive = new ReceiveKeys(opts.keySink);
  }

  /** Authenticated peers only, by id. */
  get peers(): ReadonlyMap<string, PeerInfo> {
    return this.#infos;
  }

  /** The group call code over every member as this participant sees them. */
  get callCode(): string {
    return this.#callCode;
  }

  /** The epoch of the key this participant currently sends with. */
  get epoch(): number {
    return this.#own.current?.epoch ?? 0;
  }

  /**
   * Make this call's X25519 key, announce it, and answer everyone present. Handshakes and key
   * delivery continue asynchronously ('peer-joined', 'keys-delivered').
   *
   * @throws KeyError `'closed'` after {@link GroupKeySession.close}.
   */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new KeyError('closed', 'session already started or closed');
    this.#state = 'started';
    this.#eph = await createEphemeral();
    if (this.#closing) return this.#eph.destroy(); // closed while starting
    this.#pairing = new Pairing({
      room: this.#room, selfId: this.localId, identity: this.#identity, eph: this.#eph,
      attestationKey: this.#attestationKey, send: (to, data) => this.#signaling.send(to, data),
    });
    this.#unsubscribe.push(this.#signaling.onMessage((from, data) => this.#enqueue(() => this.#receiveWire(from, data))));
    const onLeft = this.#signaling.onPeerLeft?.((id) => this.#enqueue(() => this.#transportLeft(id)));
    if (onLeft) this.#unsubscribe.push(onLeft);
    await this.#enqueue(async () => {
      await this.#freshKey();
      await this.#updateCallCode();
      this.#signaling.send('*', this.#pairing!.hello());
    });
    if (this.#opts.rekey > 0) this.#scheduleRekey();
  }

  /**
   * Send application bytes to one authenticated peer inside the pairwise channel (in order).
   *
   * @throws KeyError `'closed'`, `'not-connected'`; ProtocolError `'message-too-large'` (> 60 000 bytes).
   * @example
   * ```ts
   * session.sendToPeer(peerId, new TextEncoder().encode(JSON.stringify(sdp)));
   * ```
   */
  sendToPeer(peerId: string, data: Uint8Array): void {
    if (this.#state !== 'started') throw new KeyError('closed', 'session not running');
    const peer = this.#peers.get(peerId);
    if (!peer) throw new KeyError('not-connected', 'no authenticated channel to that peer');
    if (data.length > LIMITS.appBytes) throw new ProtocolError('message-too-large', 'application message too large');
    const copy = new Uint8Array(data);
    void this.#enqueue(async () => {
      if (this.#peers.get(peerId) !== peer) throw new KeyError('not-connected', 'peer left before the message was sent');
      await this.#sendSealed(peer, { t: 'app', data: copy });
    });
  }

  /** Lobby: send our key to a peer `holdKeys` held back; the join ratchet runs now. @throws never */
  releaseKeys(peerId: string): Promise<void> {
    return this.#enqueue(() => this.#held.delete(peerId) && this.#peers.has(peerId) ? this.#release(this.#peers.get(peerId)!) : undefined);
  }

  /** Expel: drop a peer's channel and keys; unless it was held, rekey without it. @throws never */
  removePeer(peerId: string): Promise<void> {
    return this.#enqueue(() => this.#peers.has(peerId) ? this.#removePeer(this.#peers.get(peerId)!) : undefined);
  }

  /** Resolves when all protocol work queued so far is done (tests and benchmarks). */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** Say goodbye to every peer, stop, and zero every key this session holds. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#state === 'started') {
        await this.#enqueue(async () => {
          const byes = await Promise.allSettled([...this.#peers.values()].map((p) => this.#sendSealed(p, { t: 'bye' })));
          for (const r of byes) if (r.status === 'rejected') this.#fail(r.reason);
        });
      }
      this.#state = 'closed';
      for (const u of this.#unsubscribe) u();
      this.#timers.clear();
      for (const p of this.#peers.values()) p.channel.close();
      this.#peers.clear();
      this.#infos.clear();
      this.#receive.clear();
      this.#own.destroy();
      this.#pairing?.clear();
      this.#eph?.destroy();
    })();
    return this.#closing;
  }

  // ── queue, timers, errors ────────────────────────────────────────────────────────────────

  #enqueue(task: () => Promise<void> | void): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#state === 'closed') return;
      try {
        await task();
      } catch (error) {
        this.#fail(error);
      }
    };
    this.#queue = this.#queue.then(run);
    return this.#queue;
  }

  #fail(error: unknown): void {
    this.emit('error', error instanceof SealError ? error : new KeyError('unexpected-message', 'control message could not be processed', { cause: error }));
  }

  #scheduleRekey(): void {
    this.#timers.after(this.#opts.rekey, async () => {
      this.#scheduleRekey();
      await this.#freshKey();
    });
  }

  // ── receive path ─────────────────────────────────────────────────────────────────────────

  async #receiveWire(from: string, data: Uint8Array): Promise<void> {
    const m = decodeWire(data);
    if (m.room !== this.#room) throw new KeyError('misrouted', 'message for another room');
    if (m.id !== from || m.id === this.localId) throw new KeyError('misrouted', 'sender fields disagree');
    if (m.t !== 'hello' && m.to !== this.localId) throw new KeyError('misrouted', 'message for another recipient');
    const pairing = this.#pairing!;
    const live = this.#peers.get(m.id);
    switch (m.t) {
      case 'hello':
        return pairing.onHello(m, live?.keys);
      case 'auth': {
        const peer = await pairing.onAuth(m, live?.keys);
        if (peer) await this.#admit(peer);
        return;
      }
      case 'msg':
        if (live) return this.#openSealed(live, m);
        if (!pairing.keepEarly(m)) throw new KeyError('unexpected-message', 'sealed message without a channel');
        return;
      default:
        throw unknownMessage(m);
    }
  }

  async #openSealed(peer: Peer, m: SealedMessage): Promise<void> {
    for (const msg of await peer.channel.open(m)) {
      if (this.#peers.get(peer.keys.id) !== peer) return;
      await this.#onChannel(peer, msg);
    }
  }

  async #onChannel(peer: Peer, msg: ChannelMessage): Promise<void> {
    const id = peer.keys.id;
    switch (msg.t) {
      case 'app':
        this.emit('peer-message', id, msg.data);
        return;
      case 'bye':
        return this.#removePeer(peer);
      case 'ack':
        if (this.#own.ack(id, msg.kid)) this.#maybeSwitch();
        else if (this.#own.current?.kid === msg.kid) this.#currentAcked.add(id);
        this.#checkDelivered();
        return;
      case 'key':
        return this.#installKey(peer, msg.kid, msg.key).finally(() => zero(msg.key));
      default:
        throw unknownMessage(msg);
    }
  }

  async #installKey(peer: Peer, kid: number, key: Uint8Array): Promise<void> {
    const id = peer.keys.id;
    if (this.#receive.has(id, kid)) return this.#sendSealed(peer, { t: 'ack', kid });
    if (this.#receive.resolveSlot(id, kid, this.#own.slot, this.localId) === 'repick-own') {
      this.#own.repick(new Set([...this.#receive.slots(), parseKid(kid).slot]));
      await this.#freshKey();
    }
    const superseded = this.#receive.add(id, kid, key);
    if (superseded.length > 0) this.#timers.after(this.#opts.switch + this.#opts.overlap, () => this.#receive.retire(id, superseded));
    await this.#sendSealed(peer, { t: 'ack', kid });
    this.#checkDelivered();
  }

  async #transportLeft(id: string): Promise<void> {
    this.#pairing?.forget(id);
    const peer = this.#peers.get(id);
    if (peer) await this.#removePeer(peer);
  }

  // ── membership ───────────────────────────────────────────────────────────────────────────

  async #admit(a: AuthenticatedPeer): Promise<void> {
    const old = this.#peers.get(a.id);
    if (old) await this.#removePeer(old); // the same id came back with new keys: a new session
    const info = await peerInfo(this.#room, this.#pairing!.self, a, this.#attestationKey !== undefined);
    const peer: Peer = { keys: { id: a.id, idk: a.idk, eph: a.eph }, info, channel: a.channel };
    this.#peers.set(a.id, peer);
    this.#infos.set(a.id, info);
    this.#delivered = false;
    const change = this.#trust && (await checkKnownIdentity(this.#trust, info));
    if (change) this.emit('identity-changed', change);
    if (this.#hold?.(info)) this.#held.add(a.id);
    this.emit('peer-joined', info);
    await this.#updateCallCode();
    if (!this.#held.has(a.id)) await this.#release(peer);
    for (const m of a.early) {
      if (this.#peers.get(a.id) !== peer) break;
      await this.#openSealed(peer, m).catch((e: unknown) => this.#fail(e));
    }
  }

  async #release(peer: Peer): Promise<void> {
    const before = this.#own.newest;
    const k = await this.#own.forJoin();
    if (k !== before) await this.#newKeyDelivery();
    else await this.#sendSealed(peer, { t: 'key', kid: k.kid, key: k.key });
  }

  async #removePeer(peer: Peer): Promise<void> {
    const id = peer.keys.id;
    if (this.#peers.get(id) !== peer) return;
    this.#peers.delete(id);
    this.#infos.delete(id);
    peer.channel.close();
    this.#receive.removePeer(id);
    this.#currentAcked.delete(id);
    this.emit('peer-left', peer.info);
    await this.#updateCallCode();
    // The leaver knew every key so far: only a fresh one shuts it out. A held peer knew none.
    if (!this.#held.delete(id)) await this.#freshKey();
  }

  async #updateCallCode(): Promise<void> {
    const code = await callCode(this.#room, [this.#pairing!.self, ...[...this.#peers.values()].map((p) => p.keys)]);
    if (code !== this.#callCode) {
      this.#callCode = code;
      this.emit('call-code', code);
    }
  }

  // ── own key schedule ─────────────────────────────────────────────────────────────────────

  /** A fresh random key (leave, periodic rekey, new slot), delivered to every member. */
  async #freshKey(): Promise<void> {
    this.#own.fresh();
    await this.#newKeyDelivery();
  }

  /** Deliver the (new) pending key to every member and arm the switch deadline. */
  async #newKeyDelivery(): Promise<void> {
    const k = this.#own.pending;
    if (!k) return;
    this.#delivered = false;
    const sends = this.#keyed().map((p) => this.#sendSealed(p, { t: 'key', kid: k.kid, key: k.key }));
    for (const r of await Promise.allSettled(sends)) if (r.status === 'rejected') this.#fail(r.reason);
    this.#timers.after(this.#opts.switch, () => {
      if (this.#own.pending?.kid === k.kid) this.#switch();
    }, 'switch');
    this.#maybeSwitch();
  }

  #maybeSwitch(): void {
    if (this.#own.pendingAckedBy(this.#keyed().map((p) => p.keys.id))) this.#switch();
  }

  #keyed(): Peer[] { // everyone authenticated but the held: they get our keys
    return [...this.#peers.values()].filter((p) => !this.#held.has(p.keys.id));
  }

  #switch(): void {
    const acked = this.#own.pending?.acked ?? new Set<string>();
    const k = this.#own.switchNow();
    if (!k) return;
    this.#currentAcked = acked;
    this.emit('epoch', k.epoch);
    this.#checkDelivered();
  }

  #checkDelivered(): void {
    const keyed = this.#keyed().map((p) => p.keys.id);
    const ok =
      keyed.length > 0 && !this.#own.pending && this.#own.current !== undefined &&
      keyed.every((id) => this.#currentAcked.has(id) && this.#receive.latest(id) !== undefined);
    if (ok && !this.#delivered) {
      this.#delivered = true;
      this.emit('keys-delivered');
    } else if (!ok) this.#delivered = false;
  }

  async #sendSealed(peer: Peer, msg: ChannelMessage): Promise<void> {
    const sealed = await peer.channel.seal(msg);
    this.#signaling.send(peer.keys.id, encodeWire(sealed));
  }
}
