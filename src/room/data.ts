/**
 * Chat and files for the Room. Chat is sealed by the {@link ChatKeyring} (keys from the group
 * key schedule under a chat-only HKDF label, signed per sender); a file is encrypted with
 * libsodium secretstream under a per-file key that travels in a chat-sealed offer. Both go only
 * to members this device currently keys, so a lobby joiner, an expelled member or a late joiner
 * (which never held an earlier epoch's key) reads nothing it should not.
 *
 * Transport: the pairwise channel (`sendToPeer`, ≤ 60 000 bytes per message), so file chunks
 * are 32 KiB. The envelopes are end-to-end sealed on top of the channel either way.
 *
 * @module
 */
import type { SealError } from '../errors.js';
import type { AuditDetails, AuditEventType } from './audit/index.js';
import type { ChatKeyring } from './chat/index.js';
import { FileReceiver, createFileSecrets, decodeFileOffer, encodeFileOffer, encryptFile } from './files/index.js';
import { parseFileMessage } from './files/format.js';
import { keyHex, packSafeguard } from './host.js';
import type { GuardedSession } from './access.js';
import type { SafeguardEvents } from './safeguard-types.js';

/** File chunk size that fits the pairwise channel's message limit with room for framing. */
export const ROOM_FILE_CHUNK = 32 * 1024;
const MAX_OPEN_FILES = 16;

/** What {@link RoomData} needs from the room. */
export interface RoomDataHooks {
  readonly session: GuardedSession;
  readonly ring: ChatKeyring;
  /** Members this device keys right now (recipients). */
  recipients(): string[];
  audit<T extends AuditEventType>(type: T, details: AuditDetails<T>): void;
  emit<K extends keyof SafeguardEvents & string>(event: K, ...args: SafeguardEvents[K]): void;
  error(error: SealError): void;
}

/**
 * Chat and file transfer over the room's pairwise channels.
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

  constructor(hooks: RoomDataHooks) {
    this.#h = hooks;
  }

  /** Seal `text` once and send it to every member currently keyed. Returns the recipients. @throws ChatError */
  async sendChat(text: string): Promise<string[]> {
    const sealed = await this.#h.ring.seal(new TextEncoder().encode(text), 'text');
    const to = this.#h.recipients();
    for (const id of to) this.#h.session.sendToPeer(id, packSafeguard('chat', sealed));
    return to;
  }

  /**
   * Encrypt and send a file to every member currently keyed, emitting `'file-progress'`.
   *
   * @throws FileTransferError `'too-large'`, `'aborted'`; ChatError for the offer.
   */
  async sendFile(file: Blob | Uint8Array, options: { name?: string; mimeType?: string; signal?: AbortSignal } = {}): Promise<string[]> {
    const { fileId, key } = createFileSecrets();
    try {
      const to = this.#h.recipients();
      const offer = packSafeguard('chat', await this.#h.ring.seal(encodeFileOffer(fileId, key), 'file-offer'));
      for (const id of to) this.#h.session.sendToPeer(id, offer);
      let total = 0;
      for await (const m of encryptFile(file, { fileId, key, chunkSize: ROOM_FILE_CHUNK, ...options })) {
        for (const id of to) this.#h.session.sendToPeer(id, packSafeguard('file', m.bytes));
        total = m.totalBytes;
        this.#h.emit('file-progress', { fileId: keyHex(fileId), direction: 'sent', peerId: undefined, bytes: m.sentBytes, totalBytes: m.totalBytes });
      }
      for (const id of to) this.#h.audit('file-transferred', { participantId: id, direction: 'sent', bytes: total });
      return to;
    } finally {
      key.fill(0);
    }
  }

  /** A chat envelope from `from` (text or file offer). @throws ChatError on any failure */
  async onChat(from: string, body: Uint8Array): Promise<void> {
    const opened = await this.#h.ring.open(body);
    if (opened.senderId !== from) return; // forwarded by someone else: not ours to show
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
    if (!f || f.from !== from) return;
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
    for (const [id, f] of this.#files) if (f.from === from) (this.#files.delete(id), f.rx.dispose());
  }

  /** Drop every unfinished file. */
  close(): void {
    for (const f of this.#files.values()) f.rx.dispose();
    this.#files.clear();
  }
}
