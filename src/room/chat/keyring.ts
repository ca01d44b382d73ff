/**
 * The seam between the group key schedule and chat: a {@link MediaKeySink} that forwards every
 * media key operation unchanged and, from the same base keys, keeps this participant's
 * {@link ChatSender} and {@link ChatReceiver} in step.
 *
 * The room wraps its media sink in a `ChatKeyring` and passes the ring to `GroupKeySession` as
 * `keySink`. Chat then follows membership exactly as media does. Senders get a new key on every
 * join ratchet, leave rekey and periodic rekey. A joiner holds only the keys it was given after
 * joining. A departed member's keys are removed.
 *
 * The chat "epoch" of a key is its SFrame KID (32 bits: slot ‖ epoch, see `src/keys/kid.ts`).
 * That value is unique per sender key, so it names the key without another counter.
 *
 * @module
 */
import type { MediaKeySink } from '../../keys/index.js';
import type { Ed25519Signer } from '../audit/signer.js';
import { ChatError } from './errors.js';
import type { ChatContentType } from './format.js';
import { ChatReceiver } from './receiver.js';
import type { OpenedChat } from './receiver.js';
import { ChatSender } from './sender.js';

/** Options of {@link ChatKeyring}. */
export interface ChatKeyringOptions {
  /** This participant's id (the key session's `localId`). */
  senderId: string;
  /** This participant's identity (signs every outgoing message). */
  signer: Ed25519Signer;
  /** The authenticated identity key of a peer (e.g. `session.peers.get(id)?.identityKey`). */
  identityKeyOf: (participantId: string) => Uint8Array | undefined;
  /** The media sink to forward to (the transform controller, an SFrame context adapter). */
  inner?: MediaKeySink;
  /** Chat-side failures of a key operation (sink calls never throw). */
  onError?: (error: ChatError) => void;
}

/**
 * A media key sink that also keys chat.
 *
 * @example
 * ```ts
 * const ring = new ChatKeyring({ senderId: id, signer: identity, inner: controller,
 *   identityKeyOf: (p) => session.peers.get(p)?.identityKey });
 * const session = new GroupKeySession({ roomId, identity, signaling, keySink: ring });
 * dataChannel.send(await ring.seal(new TextEncoder().encode('hi'), 'text'));
 * const message = await ring.open(received);
 * ```
 */
export class ChatKeyring implements MediaKeySink {
  readonly #opts: ChatKeyringOptions;
  readonly #receiver = new ChatReceiver();
  readonly #owners = new Map<bigint, string>();
  #sender: ChatSender | undefined;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: ChatKeyringOptions) {
    this.#opts = options;
  }

  /** @inheritDoc */
  setSendKey(kid: bigint, baseKey: Uint8Array): void {
    this.#opts.inner?.setSendKey(kid, baseKey);
    const key = baseKey.slice();
    this.#run(async () => {
      try {
        const epoch = Number(kid);
        if (!this.#sender) this.#sender = await ChatSender.create({ senderId: this.#opts.senderId, epoch, baseKey: key, signer: this.#opts.signer });
        else if (this.#sender.epoch !== epoch) await this.#sender.rekey(epoch, key);
      } finally {
        key.fill(0);
      }
    });
  }

  /** @inheritDoc */
  addReceiveKey(participantId: string, kid: bigint, baseKey: Uint8Array): void {
    this.#opts.inner?.addReceiveKey(participantId, kid, baseKey);
    const key = baseKey.slice();
    this.#owners.set(kid, participantId);
    this.#run(async () => {
      try {
        const identityKey = this.#opts.identityKeyOf(participantId);
        if (!identityKey) throw new ChatError('unknown-key', 'no authenticated identity for a participant that was given a key');
        await this.#receiver.addKey(participantId, Number(kid), key, identityKey);
      } finally {
        key.fill(0);
      }
    });
  }

  /** @inheritDoc */
  removeKey(kid: bigint): void {
    this.#opts.inner?.removeKey(kid);
    const owner = this.#owners.get(kid);
    this.#owners.delete(kid);
    if (owner !== undefined) this.#run(async () => this.#receiver.removeKey(owner, Number(kid)));
  }

  /**
   * Seal a message under this participant's current key (after pending key operations).
   *
   * @throws {ChatError} `'unknown-key'` before the first send key; as {@link ChatSender.seal}.
   */
  async seal(body: Uint8Array, type: ChatContentType = 'app'): Promise<Uint8Array> {
    await this.flush();
    if (!this.#sender) throw new ChatError('unknown-key', 'no chat send key yet');
    return this.#sender.seal(body, type);
  }

  /**
   * Open a message from a member (after pending key operations).
   *
   * @throws {ChatError} as {@link ChatReceiver.open}.
   */
  async open(bytes: Uint8Array): Promise<OpenedChat> {
    await this.flush();
    return this.#receiver.open(bytes);
  }

  /** Resolves when every key operation so far has been applied. */
  flush(): Promise<void> {
    return this.#queue;
  }

  /** Zero every chat key; media keys are the inner sink's business. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#sender?.close();
    this.#receiver.close();
  }

  #run(op: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#closed) return;
      try {
        await op();
      } catch (error) {
        const e = error instanceof ChatError ? error : new ChatError('invalid-options', 'a chat key operation failed', { cause: error });
        this.#opts.onError?.(e);
      }
    });
  }
}
