/**
 * Sending side of encrypted files: turns a `Blob` or `Uint8Array` into a header message and
 * chunk messages (see `format.ts`), reading the source one chunk at a time.
 *
 * @module
 */
import { loadSodium } from '../passcode/sodium.js';
import { FileTransferError } from './errors.js';
import {
  FILE_ID_BYTES,
  FILE_KEY_BYTES,
  KIND_CHUNK,
  KIND_HEADER,
  MAX_MIME_LENGTH,
  MAX_NAME_LENGTH,
  checkIdAndKey,
  encodeChunk,
  encodeHeader,
  encodeMeta,
  messagePrefix,
} from './format.js';

/** Default plaintext bytes per chunk: 64 KiB (fits every current data channel's message limit once sealed). */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/** Default largest file: 100 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;

/**
 * A fresh per-file id and key (WebCrypto CSPRNG). The caller zeroes the key when the transfer is done.
 *
 * @example
 * ```ts
 * const { fileId, key } = createFileSecrets();
 * const offer = encodeFileOffer(fileId, key);
 * ```
 */
export function createFileSecrets(): { fileId: Uint8Array; key: Uint8Array } {
  return {
    fileId: globalThis.crypto.getRandomValues(new Uint8Array(FILE_ID_BYTES)),
    key: globalThis.crypto.getRandomValues(new Uint8Array(FILE_KEY_BYTES)),
  };
}

/** Options of {@link encryptFile}. */
export interface EncryptFileOptions {
  /** The per-file key (32 bytes); copied, the caller zeroes its own copy. */
  key: Uint8Array;
  /** The file id (16 bytes) the offer names. */
  fileId: Uint8Array;
  /** File name shown to receivers (sealed); default the `File`'s name, else `'file'`. */
  name?: string;
  /** MIME type (sealed); default the `Blob`'s type, else `'application/octet-stream'`. */
  mimeType?: string;
  /** Plaintext bytes per chunk; default {@link DEFAULT_CHUNK_SIZE}. */
  chunkSize?: number;
  /** Refuse larger files; default {@link DEFAULT_MAX_FILE_BYTES}. */
  maxBytes?: number;
  /** Stop between chunks. */
  signal?: AbortSignal;
}

/** One message to send, with progress. */
export interface OutgoingFileMessage {
  readonly kind: 'header' | 'chunk';
  /** The bytes to put on the data channel. */
  readonly bytes: Uint8Array;
  /** File bytes sealed so far (0 for the header). */
  readonly sentBytes: number;
  readonly totalBytes: number;
  /** True for the last message (TAG_FINAL). */
  readonly final: boolean;
}

/**
 * Encrypt a file into messages, lazily: one chunk is read and sealed per iteration.
 *
 * @throws {FileTransferError} `'too-large'`, `'invalid-options'`, `'aborted'` (from the iterator)
 * @example
 * ```ts
 * const { fileId, key } = createFileSecrets();
 * await room.sendSealedOffer(encodeFileOffer(fileId, key));
 * for await (const m of encryptFile(file, { fileId, key })) {
 *   channel.send(m.bytes);
 *   progressBar.value = m.sentBytes / m.totalBytes;
 * }
 * key.fill(0);
 * ```
 */
export async function* encryptFile(source: Blob | Uint8Array, options: EncryptFileOptions): AsyncGenerator<OutgoingFileMessage, void, void> {
  checkIdAndKey(options.fileId, options.key);
  const fileId = options.fileId.slice();
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > 16 * 1024 * 1024) {
    throw new FileTransferError('invalid-options', 'chunkSize must be an integer from 1 to 16 MiB');
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new FileTransferError('invalid-options', 'maxBytes must be a non-negative integer');
  const isBlob = typeof Blob !== 'undefined' && source instanceof Blob;
  const size = isBlob ? source.size : (source as Uint8Array).length;
  if (size > maxBytes) throw new FileTransferError('too-large', 'the file exceeds the size limit');
  const name = options.name ?? (isBlob && 'name' in source && typeof source.name === 'string' ? source.name : 'file');
  const mimeType = options.mimeType ?? (isBlob && source.type !== '' ? source.type : 'application/octet-stream');
  if (name.length > MAX_NAME_LENGTH || mimeType.length > MAX_MIME_LENGTH) {
    throw new FileTransferError('invalid-options', 'file name or MIME type too long');
  }
  const chunks = Math.max(1, Math.ceil(size / chunkSize));
  if (chunks >= 0xffffffff) throw new FileTransferError('invalid-options', 'too many chunks for this chunk size');

  const ss = await loadSodium();
  const { state, header } = ss.crypto_secretstream_xchacha20poly1305_init_push(options.key);
  const push = (plain: Uint8Array, ad: Uint8Array, final: boolean) =>
    ss.crypto_secretstream_xchacha20poly1305_push(
      state,
      plain,
      ad,
      final ? ss.crypto_secretstream_xchacha20poly1305_TAG_FINAL : ss.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
    );

  const meta = encodeMeta({ name, mimeType, size, chunkSize });
  yield {
    kind: 'header',
    bytes: encodeHeader(fileId, header, push(meta, messagePrefix(KIND_HEADER, fileId, 0), false)),
    sentBytes: 0,
    totalBytes: size,
    final: false,
  };
  for (let i = 0; i < chunks; i++) {
    if (options.signal?.aborted) throw new FileTransferError('aborted', 'the file transfer was aborted', { cause: options.signal.reason });
    const start = i * chunkSize;
    const end = Math.min(size, start + chunkSize);
    const plain = isBlob ? new Uint8Array(await (source as Blob).slice(start, end).arrayBuffer()) : (source as Uint8Array).subarray(start, end);
    const final = i === chunks - 1;
    const sealed = push(plain, messagePrefix(KIND_CHUNK, fileId, i + 1), final);
    if (isBlob) plain.fill(0);
    yield { kind: 'chunk', bytes: encodeChunk(fileId, i + 1, sealed), sentBytes: end, totalBytes: size, final };
  }
}
