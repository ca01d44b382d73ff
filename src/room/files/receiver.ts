/**
 * Receiving side of encrypted files: authenticates each message in order, reports progress, and
 * releases the file only after the final chunk (TAG_FINAL) and a matching total size — never a
 * partial or unauthenticated file.
 *
 * @module
 */
import { TypedEmitter } from '../../events.js';
import { loadSodium } from '../passcode/sodium.js';
import type { Sodium } from '../passcode/sodium.js';
import { FileTransferError } from './errors.js';
import { KIND_CHUNK, KIND_HEADER, checkIdAndKey, decodeMeta, messagePrefix, parseFileMessage } from './format.js';
import type { FileMeta } from './format.js';
import { DEFAULT_MAX_FILE_BYTES } from './sender.js';

/** Events of a {@link FileReceiver}. */
export type FileReceiverEvents = {
  /** The sealed header was opened. */
  meta: [meta: FileMeta];
  /** A chunk was authenticated. */
  progress: [progress: { receivedBytes: number; totalBytes: number }];
  /** The final chunk arrived and the size matched. */
  complete: [meta: FileMeta];
};

/** Options of {@link FileReceiver.create}. */
export interface FileReceiverOptions {
  /** The file id from the (chat-sealed) offer. */
  fileId: Uint8Array;
  /** The file key from the offer; copied, the caller zeroes its own copy. */
  key: Uint8Array;
  /** Refuse files whose sealed header declares more; default 100 MiB. */
  maxBytes?: number;
}

type StreamState = ReturnType<Sodium['crypto_secretstream_xchacha20poly1305_init_pull']>;

/**
 * Reassembles one encrypted file.
 *
 * @example
 * ```ts
 * const { fileId, key } = decodeFileOffer(openedOffer);
 * const rx = await FileReceiver.create({ fileId, key }); key.fill(0);
 * rx.on('progress', ({ receivedBytes, totalBytes }) => bar.value = receivedBytes / totalBytes);
 * channel.onmessage = (ev) => rx.push(new Uint8Array(ev.data));
 * rx.on('complete', () => download(rx.blob()));
 * ```
 */
export class FileReceiver extends TypedEmitter<FileReceiverEvents> {
  readonly #sodium: Sodium;
  readonly #fileId: Uint8Array;
  readonly #maxBytes: number;
  #key: Uint8Array;
  #state: StreamState | undefined;
  #meta: FileMeta | undefined;
  #parts: Uint8Array[] = [];
  #received = 0;
  #next = 0;
  #status: 'open' | 'complete' | 'failed' = 'open';

  private constructor(sodium: Sodium, options: FileReceiverOptions) {
    super();
    this.#sodium = sodium;
    this.#fileId = options.fileId.slice();
    this.#key = options.key.slice();
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  /**
   * Load libsodium and prepare a receiver.
   *
   * @throws {FileTransferError} `'invalid-options'`
   */
  static async create(options: FileReceiverOptions): Promise<FileReceiver> {
    checkIdAndKey(options.fileId, options.key);
    if (options.maxBytes !== undefined && (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0)) {
      throw new FileTransferError('invalid-options', 'maxBytes must be a non-negative integer');
    }
    return new FileReceiver(await loadSodium(), options);
  }

  /** The opened metadata, once the header arrived. */
  get meta(): FileMeta | undefined {
    return this.#meta;
  }

  /** Whether the final chunk arrived and everything verified. */
  get complete(): boolean {
    return this.#status === 'complete';
  }

  /**
   * Feed the next message. After any failure the receiver is dead: buffered plaintext is zeroed
   * and every later call throws `'integrity-failed'`.
   *
   * @throws {FileTransferError} `'integrity-failed'`, `'too-large'`, `'malformed-message'`
   */
  push(message: Uint8Array): void {
    if (this.#status === 'failed') throw new FileTransferError('integrity-failed', 'this file transfer already failed');
    try {
      this.#push(message);
    } catch (error) {
      this.#fail();
      throw error;
    }
  }

  #push(message: Uint8Array): void {
    if (this.#status === 'complete') throw integrity();
    const m = parseFileMessage(message);
    if (!equal(m.fileId, this.#fileId)) throw integrity();
    const s = this.#sodium;
    if (m.kind === 'header') {
      if (this.#next !== 0) throw integrity();
      this.#state = s.crypto_secretstream_xchacha20poly1305_init_pull(m.streamHeader, this.#key);
      this.#key.fill(0);
      const opened = this.#pull(m.sealed, messagePrefix(KIND_HEADER, this.#fileId, 0));
      if (opened.tag !== s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) throw integrity();
      const meta = decodeMeta(opened.message);
      if (meta.size > this.#maxBytes) throw new FileTransferError('too-large', 'the offered file exceeds the size limit');
      this.#meta = meta;
      this.#next = 1;
      this.emit('meta', meta);
      return;
    }
    const meta = this.#meta;
    if (meta === undefined || m.index !== this.#next || m.kind !== 'chunk') throw integrity();
    const opened = this.#pull(m.sealed, messagePrefix(KIND_CHUNK, this.#fileId, m.index));
    const final = opened.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (!final && opened.tag !== s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) throw integrity();
    this.#received += opened.message.length;
    this.#parts.push(opened.message);
    if (this.#received > meta.size || (final && this.#received !== meta.size)) throw integrity();
    this.#next++;
    this.emit('progress', { receivedBytes: this.#received, totalBytes: meta.size });
    if (final) {
      this.#status = 'complete';
      this.#state = undefined;
      this.emit('complete', meta);
    }
  }

  #pull(sealed: Uint8Array, ad: Uint8Array): { message: Uint8Array; tag: number } {
    if (this.#state === undefined) throw integrity();
    let result: { message: Uint8Array; tag: number } | false;
    try {
      result = this.#sodium.crypto_secretstream_xchacha20poly1305_pull(this.#state, sealed, ad);
    } catch (cause) {
      // libsodium.js throws (rather than returning false) for some malformed inputs.
      throw new FileTransferError('integrity-failed', 'a file chunk failed authentication', { cause });
    }
    if (result === false) throw integrity();
    return result;
  }

  /**
   * The whole file, once complete.
   *
   * @throws {FileTransferError} `'truncated'` before the final chunk; `'integrity-failed'` after a failure.
   */
  bytes(): Uint8Array {
    if (this.#status === 'failed') throw integrity();
    if (this.#status !== 'complete') throw new FileTransferError('truncated', 'the file has not been received completely');
    const out = new Uint8Array(this.#received);
    let o = 0;
    for (const p of this.#parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** The whole file as a `Blob` with its MIME type. @throws {FileTransferError} as {@link FileReceiver.bytes}. */
  blob(): Blob {
    return new Blob([this.bytes() as Uint8Array<ArrayBuffer>], { type: this.#meta?.mimeType ?? '' });
  }

  /** Drop the transfer: zero buffered plaintext and the key copy; later calls fail. Idempotent. */
  dispose(): void {
    this.#status = 'failed';
    this.#key.fill(0);
    for (const p of this.#parts) p.fill(0);
    this.#parts = [];
    this.#state = undefined;
  }

  #fail(): void {
    this.dispose();
  }
}

function integrity(): FileTransferError {
  return new FileTransferError('integrity-failed', 'a file chunk failed authentication or ordering');
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
