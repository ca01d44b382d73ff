/**
 * Runs the pairwise handshake of `handshake.ts` against the network: answers hellos, checks
 * auths field by field, and yields an authenticated {@link PairwiseChannel} per peer.
 *
 * Nothing here changes state on bad input: a message is checked completely (commitment,
 * signature, attestation, X25519 point) before a reply is sent or a channel exists.
 *
 * @module
 */
import { encodeWire } from '../protocol/codec.js';
import type { AuthMessage, HelloMessage, SealedMessage } from '../protocol/messages.js';
import { equalBytes } from './bytes.js';
import { PairwiseChannel } from './channel.js';
import { KeyError } from './errors.js';
import { commitTo, deriveChannelKeys, transcript, type EphemeralKey, type PartyKeys } from './handshake.js';
import { verifyCard, verifyStrict, type Identity } from './identity.js';

/** A peer whose handshake completed. */
export interface AuthenticatedPeer extends PartyKeys {
  name: string;
  att: Uint8Array;
  channel: PairwiseChannel;
  /** Sealed messages that arrived before the handshake finished, in arrival order. */
  early: SealedMessage[];
}

interface Pending {
  idk?: Uint8Array;
  commit?: Uint8Array;
  /** The peer commitment our auth was signed over, once sent. */
  authSentFor?: Uint8Array;
  early: SealedMessage[];
}

/** Most handshakes in progress at once (forged hellos cannot grow memory without bound). */
const MAX_PENDING = 256;
/** Most sealed messages kept per peer while its handshake finishes. */
const MAX_EARLY = 16;
/** Most bytes of early sealed messages kept over all peers. */
const MAX_EARLY_BYTES = 1 << 20;

/**
 * The handshake engine of one session.
 *
 * @throws see {@link Pairing.onAuth}.
 * @example
 * ```ts
 * const pairing = new Pairing({ room, selfId, identity, eph, attestationKey, send });
 * signaling.send('*', pairing.hello());
 * const peer = await pairing.onAuth(msg, live);   // then admit it
 * ```
 */
export class Pairing {
  readonly #room: string;
  readonly #selfId: string;
  readonly #identity: Identity;
  readonly #eph: EphemeralKey;
  readonly #attestationKey: Uint8Array | undefined;
  readonly #send: (to: string, data: Uint8Array) => void;
  readonly #pending = new Map<string, Pending>();
  #earlyBytes = 0;

  constructor(opts: {
    room: string;
    selfId: string;
    identity: Identity;
    eph: EphemeralKey;
    attestationKey: Uint8Array | undefined;
    send: (to: string, data: Uint8Array) => void;
  }) {
    this.#room = opts.room;
    this.#selfId = opts.selfId;
    this.#identity = opts.identity;
    this.#eph = opts.eph;
    this.#attestationKey = opts.attestationKey;
    this.#send = opts.send;
  }

  /** This endpoint's public keys. */
  get self(): PartyKeys {
    return { id: this.#selfId, idk: this.#identity.publicKey, eph: this.#eph.publicKey };
  }

  /** The broadcast hello. */
  hello(): Uint8Array {
    return encodeWire({
      v: 1, t: 'hello', room: this.#room, id: this.#selfId,
      idk: this.#identity.publicKey, commit: this.#eph.commit,
    });
  }

  /**
   * A peer announced itself: answer with our auth (once per peer commitment).
   *
   * @throws KeyError `'misrouted'` when the id belongs to a live peer with another identity.
   */
  async onHello(m: HelloMessage, live: PartyKeys | undefined): Promise<void> {
    if (live && equalBytes(live.idk, m.idk) && equalBytes(await commitTo(live.eph), m.commit)) return; // duplicate
    // Not worth a signature: onAuth would refuse another identity for a live peer's id anyway.
    if (live && !equalBytes(live.idk, m.idk)) throw new KeyError('misrouted', 'peer id already held by another identity');
    const p = this.#pending.get(m.id);
    if (p?.commit && p.idk && equalBytes(p.commit, m.commit) && equalBytes(p.idk, m.idk)) return; // duplicate
    this.#setPending(m.id, { idk: m.idk, commit: m.commit, early: p?.early ?? [] });
    this.#sendAuth(m.id, m.idk, m.commit);
  }

  /**
   * A peer revealed its X25519 key and signed the transcript. Returns the authenticated peer,
   * or undefined for a duplicate of the live session.
   *
   * @throws KeyError `'commit-mismatch'`, `'bad-signature'`, `'attestation-failed'`, `'low-order-point'`.
   */
  async onAuth(m: AuthMessage, live: PartyKeys | undefined): Promise<AuthenticatedPeer | undefined> {
    if (live && equalBytes(live.eph, m.eph) && equalBytes(live.idk, m.idk)) return undefined;
    // Another identity cannot take over a live peer's id (a relay must not be able to evict
    // a participant by impersonation); the same identity with a new X25519 key is a restart.
    if (live && !equalBytes(live.idk, m.idk)) throw new KeyError('misrouted', 'peer id already held by another identity');
    const p = this.#pending.get(m.id);
    const peerCommit = await commitTo(m.eph);
    if (p?.commit && (!equalBytes(p.commit, peerCommit) || !p.idk || !equalBytes(p.idk, m.idk))) {
      throw new KeyError('commit-mismatch', 'revealed keys do not match the peer hello');
    }
    const signed = transcript(
      this.#room,
      { id: m.id, idk: m.idk, eph: m.eph, name: m.name, att: m.att },
      { id: this.#selfId, idk: this.#identity.publicKey, commit: this.#eph.commit },
    );
    if (!verifyStrict(m.sig, signed, m.idk)) throw new KeyError('bad-signature', 'handshake signature invalid');
    if (this.#attestationKey) {
      const card = { publicKey: m.idk, ...(m.name ? { displayName: m.name } : {}), attestation: m.att };
      if (!verifyCard(card, this.#attestationKey)) throw new KeyError('attestation-failed', 'peer card not attested');
    }
    const peer: PartyKeys = { id: m.id, idk: m.idk, eph: m.eph };
    const keys = await deriveChannelKeys(this.#room, this.self, this.#eph.secretKey, peer);
    const channel = await PairwiseChannel.create(this.#room, this.#selfId, m.id, keys);
    const answered = p?.authSentFor && p.idk && equalBytes(p.authSentFor, peerCommit) && equalBytes(p.idk, m.idk);
    if (!answered) this.#sendAuth(m.id, m.idk, peerCommit);
    const early = this.#pending.get(m.id)?.early ?? [];
    this.forget(m.id);
    return { ...peer, name: m.name, att: m.att, channel, early };
  }

  /**
   * Keep a sealed message from a peer without a channel yet: a relay may deliver it before the
   * handshake messages. Bounded per peer and in total; false when it was not kept.
   */
  keepEarly(m: SealedMessage): boolean {
    const p = this.#pending.get(m.id) ?? { early: [] };
    if (p.early.length >= MAX_EARLY || this.#earlyBytes + m.ct.length > MAX_EARLY_BYTES) return false;
    p.early.push(m);
    this.#earlyBytes += m.ct.length;
    if (!this.#pending.has(m.id)) this.#setPending(m.id, p);
    return true;
  }

  /** Forget a peer's handshake in progress (it left, or its channel is up). */
  forget(peerId: string): void {
    const p = this.#pending.get(peerId);
    if (!p) return;
    for (const e of p.early) this.#earlyBytes -= e.ct.length;
    this.#pending.delete(peerId);
  }

  /** Forget everything (close). */
  clear(): void {
    this.#pending.clear();
    this.#earlyBytes = 0;
  }

  #setPending(id: string, p: Pending): void {
    this.#pending.delete(id);
    if (this.#pending.size >= MAX_PENDING) {
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    this.#pending.set(id, p);
  }

  #sendAuth(to: string, peerIdk: Uint8Array, peerCommit: Uint8Array): void {
    const name = this.#identity.displayName ?? '';
    const att = this.#identity.attestation ?? new Uint8Array(0);
    const signer = { ...this.self, name, att };
    const sig = this.#identity.sign(transcript(this.#room, signer, { id: to, idk: peerIdk, commit: peerCommit }));
    const p = this.#pending.get(to) ?? { early: [] };
    this.#setPending(to, { ...p, idk: p.idk ?? peerIdk, authSentFor: peerCommit });
    this.#send(
      to,
      encodeWire({ v: 1, t: 'auth', room: this.#room, id: this.#selfId, to, idk: signer.idk, eph: signer.eph, name, att, sig }),
    );
  }
}
