/**
 * An authenticated, encrypted, ordered pairwise channel (after the handshake).
 *
 * Each direction has its own AES-256-GCM key (see `handshake.ts`) and a 64-bit message counter
 * that the channel owns: the counter is the nonce, so no (key, nonce) pair can repeat.
 *
 * ```
 *  nonce (96 bits) = 0x00000000 ‖ ctr (u64 big-endian)
 *  aad             = "sealrtc/v1/msg" ‖ lp(room) ‖ lp(from) ‖ lp(to) ‖ ctr (u64)
 *  wire            = { v:1, t:"msg", room, id: from, to, ctr, ct: AES-GCM(k_dir, nonce, aad, pt) }
 * ```
 *
 * Binding `from`/`to`/room into the AAD means the relay can neither re-address a message nor
 * make it look as if another peer sent it. Receiving delivers messages strictly in counter
 * order: a message ahead of a gap waits (bounded), one behind the window is a replay.
 *
 * @module
 */
import { decodeChannel, encodeChannel } from '../protocol/codec.js';
import type { ChannelMessage, SealedMessage } from '../protocol/messages.js';
import { concat, lp, u64, utf8Bytes, zero } from './bytes.js';
import { aesGcmOpen, aesGcmSeal, importAesGcm } from './crypto.js';
import { KeyError } from './errors.js';
import type { ChannelKeys } from './handshake.js';

/** Counters stay below 2^53 so they travel as exact msgpack integers; exhaustion throws first. */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;
/** How many authenticated out-of-order messages may wait for a gap to fill. */
export const REORDER_LIMIT = 64;

const AAD_LABEL = utf8Bytes('sealrtc/v1/msg');

function nonce(ctr: number): Uint8Array {
  return concat(new Uint8Array(4), u64(ctr));
}

/**
 * One pairwise channel between this endpoint (`self`) and `peer` in `room`.
 *
 * @throws see {@link PairwiseChannel.seal} and {@link PairwiseChannel.open}.
 * @example
 * ```ts
 * const ch = await PairwiseChannel.create(room, 'alice', 'bob', keys);
 * signaling.send('bob', encodeWire(await ch.seal({ t: 'app', data })));
 * for (const m of await ch.open(decoded)) handle(m);
 * ```
 */
export class PairwiseChannel {
  readonly #room: string;
  readonly #self: string;
  readonly #peer: string;
  #sendKey: CryptoKey | undefined;
  #receiveKey: CryptoKey | undefined;
  #sendCtr = 0;
  #nextReceive = 0;
  readonly #waiting = new Map<number, ChannelMessage>();

  private constructor(room: string, self: string, peer: string, sendKey: CryptoKey, receiveKey: CryptoKey) {
    this.#room = room;
    this.#self = self;
    this.#peer = peer;
    this.#sendKey = sendKey;
    this.#receiveKey = receiveKey;
  }

  /** Import the directional keys (non-extractable) and zero the raw bytes. */
  static async create(room: string, self: string, peer: string, keys: ChannelKeys): Promise<PairwiseChannel> {
    try {
      const [s, r] = await Promise.all([importAesGcm(keys.send), importAesGcm(keys.receive)]);
      return new PairwiseChannel(room, self, peer, s, r);
    } finally {
      zero(keys.send, keys.receive);
    }
  }

  /** Messages sealed so far (the next counter). */
  get sent(): number {
    return this.#sendCtr;
  }

  #aad(from: string, to: string, ctr: number): Uint8Array {
    return concat(AAD_LABEL, lp(this.#room), lp(from), lp(to), u64(ctr));
  }

  /**
   * Seal one channel message. The counter is taken synchronously, so calls made in order are
   * numbered in order even though encryption is asynchronous.
   *
   * @throws KeyError `'closed'`, `'counter-exhausted'`; ProtocolError for an invalid message.
   */
  seal(message: ChannelMessage): Promise<SealedMessage> {
    const key = this.#sendKey;
    if (!key) return Promise.reject(new KeyError('closed', 'channel closed'));
    if (this.#sendCtr >= MAX_COUNTER) return Promise.reject(new KeyError('counter-exhausted', 'channel counter exhausted'));
    const pt = encodeChannel(message);
    const ctr = this.#sendCtr++;
    return aesGcmSeal(key, nonce(ctr), this.#aad(this.#self, this.#peer, ctr), pt).then((ct) => {
      zero(pt);
      return { v: 1, t: 'msg', room: this.#room, id: this.#self, to: this.#peer, ctr, ct };
    });
  }

  /**
   * Authenticate and decrypt one sealed message; returns the messages now deliverable in
   * order (possibly none while a gap is open). Must not be called concurrently.
   *
   * @throws KeyError `'closed'`, `'misrouted'`, `'replay'`, `'auth-failed'`, `'reorder-overflow'`;
   *   ProtocolError when the authenticated plaintext is not a valid channel message.
   */
  async open(msg: SealedMessage): Promise<ChannelMessage[]> {
    const key = this.#receiveKey;
    if (!key) throw new KeyError('closed', 'channel closed');
    if (msg.room !== this.#room || msg.id !== this.#peer || msg.to !== this.#self) {
      throw new KeyError('misrouted', 'sealed message addressed elsewhere');
    }
    if (msg.ctr < this.#nextReceive || this.#waiting.has(msg.ctr)) throw new KeyError('replay', 'channel message replayed');
    let pt: Uint8Array;
    try {
      pt = await aesGcmOpen(key, nonce(msg.ctr), this.#aad(this.#peer, this.#self, msg.ctr), msg.ct);
    } catch (cause) {
      throw new KeyError('auth-failed', 'channel message failed authentication', { cause });
    }
    if (!this.#receiveKey) throw new KeyError('closed', 'channel closed');
    let decoded: ChannelMessage;
    try {
      decoded = decodeChannel(pt);
    } finally {
      zero(pt);
    }
    if (msg.ctr < this.#nextReceive || this.#waiting.has(msg.ctr)) throw new KeyError('replay', 'channel message replayed');
    if (msg.ctr !== this.#nextReceive) {
      if (this.#waiting.size >= REORDER_LIMIT) {
        throw new KeyError('reorder-overflow', 'too many out-of-order channel messages');
      }
      this.#waiting.set(msg.ctr, decoded);
      return [];
    }
    const out = [decoded];
    this.#nextReceive++;
    for (let next = this.#waiting.get(this.#nextReceive); next; next = this.#waiting.get(this.#nextReceive)) {
      this.#waiting.delete(this.#nextReceive);
      out.push(next);
      this.#nextReceive++;
    }
    return out;
  }

  /** Forget both keys and anything buffered; further use throws `'closed'`. */
  close(): void {
    this.#sendKey = undefined;
    this.#receiveKey = undefined;
    for (const m of this.#waiting.values()) if (m.t === 'key') zero(m.key);
    this.#waiting.clear();
  }
}
