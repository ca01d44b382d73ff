/**
 * Receiving side of chat sealing: the chat keys of every member and epoch this participant
 * holds, strict sender authentication, and replay rejection.
 *
 * It holds only what the room gives it: a late joiner is given each sender's *ratcheted* key
 * (the key schedule's join ratchet), so messages sealed under earlier epochs find no key.
 *
 * @module
 */
import { verifyEd25519 } from '../audit/signer.js';
import { ChatError } from './errors.js';
import { TAG_BYTES, chatNonce, chatSignedBytes, checkEpoch, contentTypeOf, deriveChatKey, parseChat, senderIdBytes } from './format.js';
import type { ChatContentType, ChatKey } from './format.js';

/** Counters this far behind the newest accepted one are refused as replays. */
export const CHAT_REPLAY_WINDOW = 1024;

/** An opened, authenticated message. */
export interface OpenedChat {
  readonly senderId: string;
  readonly epoch: number;
  readonly counter: number;
  readonly type: ChatContentType;
  readonly body: Uint8Array;
  /** The body decoded as UTF-8 when `type` is `'text'`. */
  readonly text?: string;
}

/** Accepted counters of one (sender, epoch): a sliding window over the newest. */
class ReplayWindow {
  #highest = -1;
  readonly #seen = new Set<number>();
  isReplay(counter: number): boolean {
    return counter <= this.#highest - CHAT_REPLAY_WINDOW || this.#seen.has(counter);
  }
  accept(counter: number): void {
    this.#seen.add(counter);
    if (counter > this.#highest) this.#highest = counter;
    if (this.#seen.size > 2 * CHAT_REPLAY_WINDOW) {
      for (const c of this.#seen) if (c <= this.#highest - CHAT_REPLAY_WINDOW) this.#seen.delete(c);
    }
  }
}

interface SenderState {
  readonly identityKey: Uint8Array;
  readonly epochs: Map<number, { key: ChatKey; replay: ReplayWindow }>;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Opens chat messages from the room's members.
 *
 * @example
 * ```ts
 * const rx = new ChatReceiver();
 * session.on('peer-joined', async (p) => rx.addKey(p.id, epochOf(p), baseKeyOf(p), p.identityKey));
 * dataChannel.onmessage = async (ev) => {
 *   const m = await rx.open(new Uint8Array(ev.data));
 *   if (m.type === 'text') room.emit('chat', { from: m.senderId, text: m.text });
 * };
 * ```
 */
export class ChatReceiver {
  readonly #senders = new Map<string, SenderState>();
  #closed = false;

  /**
   * Hold `senderId`'s chat key for `epoch`, derived from its group base key (copied, the caller
   * zeroes its own copy). A sender's identity key is fixed at its first key; a different one
   * needs `removeSender` first (the room decides after a TOFU warning).
   *
   * @throws {ChatError} `'invalid-options'`, `'closed'`
   */
  async addKey(senderId: string, epoch: number, baseKey: Uint8Array, identityKey: Uint8Array): Promise<void> {
    this.#open();
    senderIdBytes(senderId);
    checkEpoch(epoch);
    if (!(identityKey instanceof Uint8Array) || identityKey.length !== 32) throw new ChatError('invalid-options', 'an identity key is 32 bytes');
    const existing = this.#senders.get(senderId);
    if (existing && !equal(existing.identityKey, identityKey)) {
      throw new ChatError('invalid-options', 'this sender already has a different identity key');
    }
    const key = await deriveChatKey(baseKey, senderId, epoch);
    this.#open();
    const raced = this.#senders.get(senderId);
    if (raced && !equal(raced.identityKey, identityKey)) {
      key.salt.fill(0);
      throw new ChatError('invalid-options', 'this sender already has a different identity key');
    }
    const state = this.#senders.get(senderId) ?? { identityKey: identityKey.slice(), epochs: new Map() };
    this.#senders.set(senderId, state);
    state.epochs.get(epoch)?.key.salt.fill(0);
    state.epochs.set(epoch, { key, replay: new ReplayWindow() });
  }

  /** Forget one epoch of a sender (retired after the overlap). Idempotent. */
  removeKey(senderId: string, epoch: number): void {
    const state = this.#senders.get(senderId);
    const entry = state?.epochs.get(epoch);
    if (!state || !entry) return;
    entry.key.salt.fill(0);
    state.epochs.delete(epoch);
  }

  /** Forget a sender entirely (left, expelled). Idempotent. */
  removeSender(senderId: string): void {
    const state = this.#senders.get(senderId);
    if (!state) return;
    for (const e of state.epochs.values()) e.key.salt.fill(0);
    this.#senders.delete(senderId);
  }

  /** Whether a key for (sender, epoch) is held. */
  hasKey(senderId: string, epoch: number): boolean {
    return this.#senders.get(senderId)?.epochs.has(epoch) ?? false;
  }

  /**
   * Authenticate and decrypt a message.
   *
   * @throws {ChatError} `'malformed-message'`, `'unknown-key'`, `'replay'`, `'auth-failed'`, `'closed'`
   */
  async open(bytes: Uint8Array): Promise<OpenedChat> {
    this.#open();
    const m = parseChat(bytes);
    const state = this.#senders.get(m.senderId);
    const entry = state?.epochs.get(m.epoch);
    if (!state || !entry) throw new ChatError('unknown-key', 'no chat key is held for this sender and epoch');
    if (entry.replay.isReplay(m.counter)) throw new ChatError('replay', 'chat message replayed or too old');
    if (!verifyEd25519(m.signature, chatSignedBytes(m.signed), state.identityKey)) throw authFailed();
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(
        await globalThis.crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: chatNonce(entry.key.salt, m.counter) as Uint8Array<ArrayBuffer>, additionalData: m.header as Uint8Array<ArrayBuffer>, tagLength: TAG_BYTES * 8 },
          entry.key.key,
          m.ciphertext as Uint8Array<ArrayBuffer>,
        ),
      );
    } catch (cause) {
      throw authFailed(cause);
    }
    // Two concurrent opens of the same message: only the first to get here wins.
    if (entry.replay.isReplay(m.counter)) throw new ChatError('replay', 'chat message replayed or too old');
    const type = contentTypeOf(plain[0]);
    if (type === undefined) throw new ChatError('malformed-message', 'unknown chat content type');
    entry.replay.accept(m.counter);
    const body = plain.slice(1);
    plain.fill(0);
    const base = { senderId: m.senderId, epoch: m.epoch, counter: m.counter, type, body };
    if (type !== 'text') return base;
    try {
      return { ...base, text: textDecoder.decode(body) };
    } catch (cause) {
      throw new ChatError('malformed-message', 'chat text is not UTF-8', { cause });
    }
  }

  /** Forget every key. Idempotent; later calls throw `'closed'`. */
  close(): void {
    for (const id of [...this.#senders.keys()]) this.removeSender(id);
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new ChatError('closed', 'the chat receiver is closed');
  }
}

function authFailed(cause?: unknown): ChatError {
  return new ChatError('auth-failed', 'chat message failed authentication', cause === undefined ? undefined : { cause });
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
