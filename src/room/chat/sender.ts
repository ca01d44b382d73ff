/**
 * Sending side of chat sealing: one sender, its current epoch's chat key, the counter that
 * makes every nonce unique, and the identity signature that names the sender.
 *
 * @module
 */
import type { Ed25519Signer } from '../audit/signer.js';
import { ChatError } from './errors.js';
import { SIG_BYTES, chatNonce, chatSignedBytes, checkEpoch, contentTypeByte, deriveChatKey, encodeChatHeader, senderIdBytes } from './format.js';
import type { ChatContentType, ChatKey } from './format.js';

/** Default message budget per epoch (2^32 − 1): far below the AES-GCM per-key limits. */
export const DEFAULT_MAX_MESSAGES_PER_EPOCH = 0xffffffff;

/** Options of {@link ChatSender.create}. */
export interface ChatSenderOptions {
  /** This participant's id in the room (what receivers look the identity key up by). */
  senderId: string;
  /** Its current epoch (from the key schedule). */
  epoch: number;
  /** Its current group base key for that epoch; copied into a derived non-extractable key. */
  baseKey: Uint8Array;
  /** Its Ed25519 identity (a keys-module `Identity` fits). */
  signer: Ed25519Signer;
  /** Messages allowed per epoch before `'counter-exhausted'`; default {@link DEFAULT_MAX_MESSAGES_PER_EPOCH}. */
  maxMessagesPerEpoch?: number;
}

/**
 * Seals this participant's chat messages.
 *
 * @example
 * ```ts
 * const chat = await ChatSender.create({ senderId: me, epoch: session.epoch, baseKey, signer: identity });
 * dataChannel.send(await chat.sealText('The lab results are in.'));
 * session.on('epoch', async (e) => chat.rekey(e, await currentBaseKey()));
 * ```
 */
export class ChatSender {
  readonly #senderId: string;
  readonly #signer: Ed25519Signer;
  readonly #max: number;
  #epoch: number;
  /** Every epoch this sender has sealed under: a key (and its counter) is never restarted. */
  readonly #used = new Set<number>();
  #key: ChatKey | undefined;
  #counter = 0;

  private constructor(options: ChatSenderOptions, key: ChatKey, max: number) {
    this.#senderId = options.senderId;
    this.#signer = options.signer;
    this.#epoch = options.epoch;
    this.#used.add(options.epoch);
    this.#key = key;
    this.#max = max;
  }

  /**
   * Derive the chat key for the sender's current epoch.
   *
   * @throws {ChatError} `'invalid-options'`
   */
  static async create(options: ChatSenderOptions): Promise<ChatSender> {
    senderIdBytes(options.senderId);
    checkEpoch(options.epoch);
    const max = options.maxMessagesPerEpoch ?? DEFAULT_MAX_MESSAGES_PER_EPOCH;
    if (!Number.isSafeInteger(max) || max < 1 || max > DEFAULT_MAX_MESSAGES_PER_EPOCH) {
      throw new ChatError('invalid-options', 'maxMessagesPerEpoch must be 1 … 2^32 − 1');
    }
    const key = await deriveChatKey(options.baseKey, options.senderId, options.epoch);
    return new ChatSender(options, key, max);
  }

  /** The epoch messages are currently sealed under. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * Switch to a new epoch's base key (join ratchet, leave rekey, periodic rekey). The counter
   * restarts at 0 under the new key; the old key's nonce salt is zeroed. An epoch this sender
   * has used before is refused: restarting its counter would reuse nonces.
   *
   * @throws {ChatError} `'invalid-options'` (epoch used before, bad key), `'closed'`
   */
  async rekey(epoch: number, baseKey: Uint8Array): Promise<void> {
    this.#open();
    checkEpoch(epoch);
    if (this.#used.has(epoch)) throw new ChatError('invalid-options', 'this chat epoch was used before');
    const next = await deriveChatKey(baseKey, this.#senderId, epoch);
    if (this.#used.has(epoch)) throw new ChatError('invalid-options', 'this chat epoch was used before');
    this.#used.add(epoch);
    this.#key?.salt.fill(0);
    this.#key = next;
    this.#epoch = epoch;
    this.#counter = 0;
  }

  /**
   * Seal `body` as a message of `type`. The counter is taken before any await, so concurrent
   * calls never share a nonce.
   *
   * @throws {ChatError} `'counter-exhausted'`, `'closed'`
   */
  async seal(body: Uint8Array, type: ChatContentType = 'app'): Promise<Uint8Array> {
    const key = this.#open();
    if (this.#counter >= this.#max) throw new ChatError('counter-exhausted', 'chat message budget of this epoch is used up; rekey first');
    const counter = this.#counter++;
    const header = encodeChatHeader(this.#senderId, this.#epoch, counter);
    const plain = new Uint8Array(1 + body.length);
    plain[0] = contentTypeByte(type);
    plain.set(body, 1);
    let ct: Uint8Array;
    try {
      ct = new Uint8Array(
        await globalThis.crypto.subtle.encrypt(
          { name: 'AES-GCM', iv: chatNonce(key.salt, counter) as Uint8Array<ArrayBuffer>, additionalData: header as Uint8Array<ArrayBuffer>, tagLength: 128 },
          key.key,
          plain,
        ),
      );
    } finally {
      plain.fill(0);
    }
    const out = new Uint8Array(header.length + ct.length + SIG_BYTES);
    out.set(header);
    out.set(ct, header.length);
    const signature = this.#signer.sign(chatSignedBytes(out.subarray(0, header.length + ct.length)));
    out.set(signature, header.length + ct.length);
    return out;
  }

  /** Seal a UTF-8 text message. @throws {ChatError} as {@link ChatSender.seal}. */
  sealText(text: string): Promise<Uint8Array> {
    return this.seal(new TextEncoder().encode(text), 'text');
  }

  /** Retire the key (zero the nonce salt). Idempotent. */
  close(): void {
    this.#key?.salt.fill(0);
    this.#key = undefined;
  }

  #open(): ChatKey {
    if (!this.#key) throw new ChatError('closed', 'the chat sender is closed');
    return this.#key;
  }
}
