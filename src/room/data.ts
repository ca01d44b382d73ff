/**
 * Chat and files for the Room. Chat is sealed by the {@link ChatKeyring} (keys from the group
 * key schedule under a chat-only HKDF label, signed per sender); a file is encrypted with
 * libsodium secretstream under a per-file key that travels in a chat-sealed offer. Both go only
 * to members this device currently keys, so a lobby joiner, an expelled member or a late joiner
 * (which never held an earlier epoch's key) reads nothing it should not.
 *
 * Transport: each member's WebRTC data channel ({@link DataLinks}), never the relay. What
 * arrives is bound to the participant whose connection carried it: an envelope whose sealed
 * sender is someone else is refused (`ChatError 'wrong-sender'`). Received messages are handled
 * in order per sender, apart from host commands, so a slow sender never stalls the room.
 *
 * @module
 */
import { SealError } from '../errors.js';
import type { AuditDetails, AuditEventType } from './audit/index.js';
import { ChatError, type ChatKeyring, type OpenedChat } from './chat/index.js';
import { parseChat } from './chat/format.js';
import { FileReceiver, FileTransferError, createFileSecrets, decodeFileOffer, encodeFileOffer, encryptFile } from './files/index.js';
import { parseFileMessage } from './files/format.js';
import { keyHex, packSafeguard } from './host.js';
import type { SafeguardEvents } from './safeguard-types.js';

/**
 * Plaintext bytes per file chunk. A chunk message (plaintext + 17-byte secretstream overhead +
 * 22-byte prefix + 2-byte frame tag) stays under 64 KiB, the data channel message size every
 * browser accepts (SCTP, RFC 8831 §6.6).
 */
export const ROOM_FILE_CHUNK = 32 * 1024;
const MAX_OPEN_FILES = 16;
/** Messages waiting per sender before more are refused. */
const MAX_PENDING_PER_SENDER = 512;
/**
 * A sender's new key travels through the relay while its chat takes the (faster) data channel,
 * so a message sealed right after a rekey can arrive first: retry it a few times (bounded).
 */
const KEY_WAIT_MS = 200;
const KEY_WAIT_TRIES = 10;

/** What {@link RoomData} needs from the room. */
export interface RoomDataHooks {
  /** Send one framed message on `id`'s data channel (ordered, bounded wait; see DataLinks). */
  send(id: string, frame: Uint8Array): Promise<void>;
  readonly ring: ChatKeyring;
  /** Members this device keys right now (recipients). */
  recipients(): string[];
  audit<T extends AuditEventType>(type: T, details: AuditDetails<T>): void;
  emit<K extends keyof SafeguardEvents & string>(event: K, ...args: SafeguardEvents[K]): void;
  error(error: SealError): void;
}

/**
 * Chat and file transfer over the room's data channels.
 *
 * @example
 * ```ts
 * await data.sendChat('hello');      // room.sendChat
 * await data.sendFile(file);         // room.sendFile, with 'file-progress' events
 * ```
 */
export class RoomData {
  readonly #h: RoomDataHooks;
  readonly #files = new Map<string, { from: string; rx: FileReceiver }>();
  readonly #inbox = new Map<string, { tail: Promise<void>; pending: number }>();

  constructor(hooks: RoomDataHooks) {
    this.#h = hooks;
  }

  /**
   * Seal `text` once and queue it on the data channel of every member currently keyed. Returns
   * the recipients; a member whose channel fails is reported as an `'error'` (RoomError `'peer-failed'`).
   *
   * @throws ChatError
   */
  async sendChat(text: string): Promise<string[]> {
    const frame = packSafeguard('chat', await this.#h.ring.seal(new TextEncoder().encode(text), 'text'));
    const to = this.#h.recipients();
    for (const id of to) void this.#h.send(id, frame).catch((e: unknown) => this.#h.error(asSeal(e)));
    return to;
  }

  /**
   * Encrypt and send a file to every member currently keyed, emitting `'file-progress'`. Each
   * chunk waits for every recipient's channel (back-pressure); a recipient whose channel fails is
   * dropped from this transfer and reported as an `'error'`. Returns who received the whole file.
   *
   * @throws FileTransferError `'too-large'`, `'aborted'`; ChatError for the offer.
   */
  async sendFile(file: Blob | Uint8Array, options: { name?: string; mimeType?: string; signal?: AbortSignal } = {}): Promise<string[]> {
    const { fileId, key } = createFileSecrets();
    try {
      let to = this.#h.recipients();
      const toAll = async (frame: Uint8Array): Promise<void> => {
        const results = await Promise.allSettled(to.map((id) => this.#h.send(id, frame)));
        const failed = new Set<string>();
        results.forEach((r, i) => {
          if (r.status === 'fulfilled') return;
          failed.add(to[i] ?? '');
          this.#h.error(asSeal(r.reason));
        });
        if (failed.size) to = to.filter((id) => !failed.has(id));
      };
      await toAll(packSafeguard('chat', await this.#h.ring.seal(encodeFileOffer(fileId, key), 'file-offer')));
      let total = 0;
      for await (const m of encryptFile(file, { fileId, key, chunkSize: ROOM_FILE_CHUNK, ...options })) {
        await toAll(packSafeguard('file', m.bytes));
        total = m.totalBytes;
        this.#h.emit('file-progress', { fileId: keyHex(fileId), direction: 'sent', peerId: undefined, bytes: m.sentBytes, totalBytes: m.totalBytes });
      }
      for (const id of to) this.#h.audit('file-transferred', { participantId: id, direction: 'sent', bytes: total });
      return to;
    } finally {
      key.fill(0);
    }
  }

  /**
   * A chat envelope or file message that arrived on `from`'s data channel. Handled in order
   * per sender; failures go to the room's `'error'`.
   */
  receive(from: string, kind: 'chat' | 'file', body: Uint8Array): void {
    let box = this.#inbox.get(from);
    if (!box) this.#inbox.set(from, (box = { tail: Promise.resolve(), pending: 0 }));
    if (box.pending >= MAX_PENDING_PER_SENDER) {
      return this.#h.error(new ChatError('malformed-message', 'too many messages waiting from one participant'));
    }
    const b = box;
    b.pending++;
    b.tail = b.tail
      .then(() => (kind === 'chat' ? this.onChat(from, body) : this.onFile(from, body)))
      .catch((e: unknown) => this.#h.error(asSeal(e)))
      .finally(() => {
        b.pending--;
      });
  }

  /**
   * A chat envelope from `from` (text or file offer).
   *
   * @throws ChatError any opening failure; `'wrong-sender'` when it was sealed by someone else.
   */
  async onChat(from: string, body: Uint8Array): Promise<void> {
    // The claimed sender is checked before opening, so a forwarded copy never touches the replay
    // window (it cannot make the genuine message, still on its way, look like a replay) …
    if (parseChat(body).senderId !== from) throw new ChatError('wrong-sender', 'a chat envelope arrived on another participant\'s connection');
    const opened = await this.#open(body);
    // … and checked again on what the signature authenticated.
    if (opened.senderId !== from) throw new ChatError('wrong-sender', 'a chat envelope arrived on another participant\'s connection');
    if (opened.type === 'text' && opened.text !== undefined) {
      this.#h.emit('chat', { from, text: opened.text, epoch: opened.epoch });
      return;
    }
    if (opened.type !== 'file-offer') return;
    const { fileId, key } = decodeFileOffer(opened.body);
    const id = keyHex(fileId);
    if (this.#files.size >= MAX_OPEN_FILES || this.#files.has(id)) return void key.fill(0);
    const rx = await FileReceiver.create({ fileId, key });
    key.fill(0);
    this.#files.set(id, { from, rx });
    rx.on('progress', ({ receivedBytes, totalBytes }) =>
      this.#h.emit('file-progress', { fileId: id, direction: 'received', peerId: from, bytes: receivedBytes, totalBytes }));
    rx.on('complete', (meta) => {
      this.#files.delete(id);
      const bytes = rx.bytes();
      rx.dispose();
      this.#h.audit('file-transferred', { participantId: from, direction: 'received', bytes: bytes.length });
      this.#h.emit('file', { from, name: meta.name, mimeType: meta.mimeType, size: bytes.length, bytes });
    });
  }

  /** A file message from `from`; only for a file that sender offered. @throws FileTransferError */
  onFile(from: string, body: Uint8Array): void {
    const id = keyHex(parseFileMessage(body).fileId);
    const f = this.#files.get(id);
    if (!f) return; // an offer this device declined (too many open files) or never got
    if (f.from !== from) throw new FileTransferError('malformed-message', 'a file message arrived on another participant\'s connection');
    try {
      f.rx.push(body);
    } catch (error) {
      this.#files.delete(id);
      f.rx.dispose();
      throw error;
    }
  }

  /** Drop a departed member's unfinished files. */
  forget(from: string): void {
    this.#inbox.delete(from);
    for (const [id, f] of this.#files) if (f.from === from) (this.#files.delete(id), f.rx.dispose());
  }

  /** Drop every unfinished file. */
  close(): void {
    this.#inbox.clear();
    for (const f of this.#files.values()) f.rx.dispose();
    this.#files.clear();
  }

  async #open(body: Uint8Array): Promise<OpenedChat> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#h.ring.open(body);
      } catch (error) {
        if (!(error instanceof ChatError) || error.code !== 'unknown-key' || attempt >= KEY_WAIT_TRIES) throw error;
        await new Promise((r) => setTimeout(r, KEY_WAIT_MS));
      }
    }
  }
}

function asSeal(error: unknown): SealError {
  return error instanceof SealError ? error : new ChatError('malformed-message', 'a chat or file step failed', { cause: error });
}
