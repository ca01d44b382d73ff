/**
 * Wire format of encrypted files: one header message, then chunk messages, all sealed with one
 * libsodium `secretstream` (XChaCha20-Poly1305) under a per-file key; plus the file offer that
 * carries that key inside a chat-sealed message.
 *
 * ```
 *   header message                                   chunk message
 *    0      1      2            18          42         0      1      2            18         22
 *    +------+------+------------+-----------+-------+  +------+------+------------+----------+--------------+
 *    | 0x01 | 0x01 | fileId(16) | ss hdr(24)| meta* |  | 0x02 | 0x01 | fileId(16) | index u32| ciphertext*  |
 *    +------+------+------------+-----------+-------+  +------+------+------------+----------+--------------+
 *   * sealed with secretstream, additional data = the message bytes before the ciphertext
 *     (for the header: kind ‖ version ‖ fileId ‖ index 0 as u32; the ss header is not AD).
 *
 *   stream:   meta (index 0, TAG_MESSAGE) · data 1 … n−1 (TAG_MESSAGE) · data n (TAG_FINAL)
 *   meta:     UTF-8 JSON {"name","mimeType","size","chunkSize"} — sealed, never in clear
 *
 *   file offer (sealed by the room with the chat key of its sender, never sent alone)
 *    +------+------+------------+--------------+
 *    | 0x03 | 0x01 | fileId(16) | fileKey (32) |
 *    +------+------+------------+--------------+
 * ```
 *
 * secretstream's own state advances per message, so reordering, duplication and dropping are
 * caught by authentication; TAG_FINAL marks the end, so truncation is caught by its absence.
 * The clear index only lets the receiver report the failure early and show progress.
 *
 * @module
 */
import { FileTransferError } from './errors.js';

const VERSION = 1;
/** Message kinds. */
export const KIND_HEADER = 1;
export const KIND_CHUNK = 2;
const KIND_OFFER = 3;
/** Bytes of a file id. */
export const FILE_ID_BYTES = 16;
/** Bytes of a file key (secretstream KEYBYTES). */
export const FILE_KEY_BYTES = 32;
/** Bytes of the secretstream header. */
export const STREAM_HEADER_BYTES = 24;
/** Length of the clear prefix of a chunk message (also its additional data). */
export const CHUNK_PREFIX_BYTES = 2 + FILE_ID_BYTES + 4;
const HEADER_PREFIX_BYTES = 2 + FILE_ID_BYTES + STREAM_HEADER_BYTES;

/** What the sealed header says about the file. */
export interface FileMeta {
  readonly name: string;
  readonly mimeType: string;
  readonly size: number;
  readonly chunkSize: number;
}

/** The clear prefix (and additional data) of message `index` of `fileId`. */
export function messagePrefix(kind: number, fileId: Uint8Array, index: number): Uint8Array {
  const out = new Uint8Array(CHUNK_PREFIX_BYTES);
  out[0] = kind;
  out[1] = VERSION;
  out.set(fileId, 2);
  new DataView(out.buffer).setUint32(2 + FILE_ID_BYTES, index);
  return out;
}

/** Build a header message. */
export function encodeHeader(fileId: Uint8Array, streamHeader: Uint8Array, sealedMeta: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_PREFIX_BYTES + sealedMeta.length);
  out[0] = KIND_HEADER;
  out[1] = VERSION;
  out.set(fileId, 2);
  out.set(streamHeader, 2 + FILE_ID_BYTES);
  out.set(sealedMeta, HEADER_PREFIX_BYTES);
  return out;
}

/** Build a chunk message. */
export function encodeChunk(fileId: Uint8Array, index: number, ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHUNK_PREFIX_BYTES + ciphertext.length);
  out.set(messagePrefix(KIND_CHUNK, fileId, index));
  out.set(ciphertext, CHUNK_PREFIX_BYTES);
  return out;
}

/** A parsed file message (nothing is authenticated yet). */
export type ParsedFileMessage =
  | { kind: 'header'; fileId: Uint8Array; streamHeader: Uint8Array; sealed: Uint8Array }
  | { kind: 'chunk'; fileId: Uint8Array; index: number; sealed: Uint8Array };

/**
 * Split a file message into its fields.
 *
 * @throws {FileTransferError} `'malformed-message'`
 */
export function parseFileMessage(bytes: Uint8Array): ParsedFileMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2 || bytes[1] !== VERSION) throw malformed();
  const fileId = bytes.slice(2, 2 + FILE_ID_BYTES);
  if (bytes[0] === KIND_HEADER && bytes.length > HEADER_PREFIX_BYTES) {
    return {
      kind: 'header',
      fileId,
      streamHeader: bytes.slice(2 + FILE_ID_BYTES, HEADER_PREFIX_BYTES),
      sealed: bytes.subarray(HEADER_PREFIX_BYTES),
    };
  }
  if (bytes[0] === KIND_CHUNK && bytes.length > CHUNK_PREFIX_BYTES) {
    const index = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2 + FILE_ID_BYTES);
    return { kind: 'chunk', fileId, index, sealed: bytes.subarray(CHUNK_PREFIX_BYTES) };
  }
  throw malformed();
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Encode the metadata plaintext. */
export function encodeMeta(meta: FileMeta): Uint8Array {
  return enc.encode(JSON.stringify({ name: meta.name, mimeType: meta.mimeType, size: meta.size, chunkSize: meta.chunkSize }));
}

/**
 * Decode authenticated metadata (still validated: the sender may be buggy).
 *
 * @throws {FileTransferError} `'malformed-message'`
 */
export function decodeMeta(bytes: Uint8Array): FileMeta {
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(bytes));
  } catch (cause) {
    throw malformed(cause);
  }
  const m = v as Partial<Record<keyof FileMeta, unknown>>;
  if (
    typeof v !== 'object' || v === null ||
    typeof m.name !== 'string' || m.name.length > MAX_NAME_LENGTH ||
    typeof m.mimeType !== 'string' || m.mimeType.length > MAX_MIME_LENGTH ||
    !isUint(m.size) || !isUint(m.chunkSize) || m.chunkSize === 0
  ) {
    throw malformed();
  }
  return { name: m.name, mimeType: m.mimeType, size: m.size, chunkSize: m.chunkSize };
}

/** Longest accepted file name (UTF-16 code units). */
export const MAX_NAME_LENGTH = 255;
/** Longest accepted MIME type. */
export const MAX_MIME_LENGTH = 127;

/**
 * The offer the room seals with its chat key so members can open the file stream.
 *
 * @throws {FileTransferError} `'invalid-options'` for a wrong-length id or key.
 * @example
 * ```ts
 * const sealed = await chat.seal(encodeFileOffer(fileId, fileKey), 'file-offer');
 * ```
 */
export function encodeFileOffer(fileId: Uint8Array, key: Uint8Array): Uint8Array {
  checkIdAndKey(fileId, key);
  const out = new Uint8Array(2 + FILE_ID_BYTES + FILE_KEY_BYTES);
  out[0] = KIND_OFFER;
  out[1] = VERSION;
  out.set(fileId, 2);
  out.set(key, 2 + FILE_ID_BYTES);
  return out;
}

/**
 * Read a file offer (after the chat layer opened and authenticated it). The caller zeroes the key when done.
 *
 * @throws {FileTransferError} `'malformed-message'`
 * @example
 * ```ts
 * const m = await chat.open(bytes);
 * if (m.type === 'file-offer') { const { fileId, key } = decodeFileOffer(m.body); … }
 * ```
 */
export function decodeFileOffer(bytes: Uint8Array): { fileId: Uint8Array; key: Uint8Array } {
  if (bytes.length !== 2 + FILE_ID_BYTES + FILE_KEY_BYTES || bytes[0] !== KIND_OFFER || bytes[1] !== VERSION) throw malformed();
  return { fileId: bytes.slice(2, 2 + FILE_ID_BYTES), key: bytes.slice(2 + FILE_ID_BYTES) };
}

/** @throws {FileTransferError} `'invalid-options'` */
export function checkIdAndKey(fileId: Uint8Array, key: Uint8Array): void {
  if (!(fileId instanceof Uint8Array) || fileId.length !== FILE_ID_BYTES) throw new FileTransferError('invalid-options', 'a file id is 16 bytes');
  if (!(key instanceof Uint8Array) || key.length !== FILE_KEY_BYTES) throw new FileTransferError('invalid-options', 'a file key is 32 bytes');
}

function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function malformed(cause?: unknown): FileTransferError {
  return new FileTransferError('malformed-message', 'not a sealrtc file message of a supported version', cause === undefined ? undefined : { cause });
}
