/**
 * Chat envelope and chat key derivation.
 *
 * Keys come from each sender's group base key (the one the key schedule gives for its current
 * epoch), under a label distinct from media, and bound to the sender id and epoch:
 *
 * ```
 *   okm   = HKDF-SHA256( ikm = senderBaseKey, salt = "",
 *                        info = "sealrtc/v1 chat" ‖ u8 len ‖ UTF-8(senderId) ‖ u32 epoch, L = 44 )
 *   key   = okm[0..32]   (AES-256-GCM)      salt = okm[32..44]
 *   nonce = salt XOR (u96 big-endian counter)   — the sender owns the counter (cf. RFC 9605 §4.4.3)
 * ```
 *
 * Envelope (all integers big-endian):
 *
 * ```
 *    0      1      2          2+n        6+n          14+n                  len−64       len
 *    +------+------+----------+----------+------------+---------------------+------------+
 *    | 0x01 | n    | senderId | epoch    | counter    | AES-GCM ct ‖ tag(16) | signature  |
 *    | ver  | u8   | (n bytes)| u32      | u64        | over 1-byte type ‖ body | Ed25519(64)|
 *    +------+------+----------+----------+------------+---------------------+------------+
 *    AAD       = bytes [0, 14+n)
 *    signature = Ed25519(sender identity, "sealrtc/v1 chat sig" ‖ bytes [0, len−64))   RFC 8032 §5.1.6
 * ```
 *
 * Why a signature when the AEAD already authenticates: every member holds every sender's group
 * key, so the AEAD alone proves only "some member"; the identity signature proves *which*.
 *
 * @module
 */
import { ChatError } from './errors.js';

const VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const SIG_LABEL = enc.encode('sealrtc/v1 chat sig');
/** Bytes of an Ed25519 signature. */
export const SIG_BYTES = 64;
/** Bytes of the AES-GCM tag. */
export const TAG_BYTES = 16;
/** Longest sender id in UTF-8 bytes. */
export const MAX_SENDER_ID_BYTES = 255;

/** What a chat message carries, sealed inside it (the relay cannot tell a file offer from text). */
export type ChatContentType = 'text' | 'file-offer' | 'app';
const CONTENT_TYPES: readonly ChatContentType[] = ['text', 'file-offer', 'app'];

/** Content type ↔ its byte in the plaintext. */
export function contentTypeByte(type: ChatContentType): number {
  return CONTENT_TYPES.indexOf(type) + 1;
}
/** Byte → content type, `undefined` when unknown. */
export function contentTypeOf(byte: number | undefined): ChatContentType | undefined {
  return byte === undefined ? undefined : CONTENT_TYPES[byte - 1];
}

/** Keys derived for one (sender, epoch). */
export interface ChatKey {
  readonly key: CryptoKey;
  /** 12-byte nonce salt; zeroed when the key is retired. */
  readonly salt: Uint8Array;
}

/**
 * Derive the chat key of `senderId` at `epoch` from its group base key.
 *
 * @throws {ChatError} `'invalid-options'`
 * @example
 * ```ts
 * const { key, salt } = await deriveChatKey(baseKey, 'alice', 3); // non-extractable AES-GCM key
 * ```
 */
export async function deriveChatKey(baseKey: Uint8Array, senderId: string, epoch: number): Promise<ChatKey> {
  if (!(baseKey instanceof Uint8Array) || baseKey.length < 16) throw new ChatError('invalid-options', 'a base key is at least 16 bytes');
  const id = senderIdBytes(senderId);
  checkEpoch(epoch);
  const label = enc.encode('sealrtc/v1 chat');
  const info = new Uint8Array(label.length + 1 + id.length + 4);
  info.set(label);
  info[label.length] = id.length;
  info.set(id, label.length + 1);
  new DataView(info.buffer).setUint32(label.length + 1 + id.length, epoch);
  const subtle = globalThis.crypto.subtle;
  const ikm = await subtle.importKey('raw', baseKey as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveBits']);
  const okm = new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info }, ikm, 44 * 8));
  try {
    const key = await subtle.importKey('raw', okm.subarray(0, 32), 'AES-GCM', false, ['encrypt', 'decrypt']);
    return { key, salt: okm.slice(32, 44) };
  } finally {
    okm.fill(0);
  }
}

/** The AES-GCM nonce of `counter` (RFC 9605 §4.4.3 style: salt XOR counter). */
export function chatNonce(salt: Uint8Array, counter: number): Uint8Array {
  const nonce = salt.slice();
  const c = new Uint8Array(8);
  new DataView(c.buffer).setBigUint64(0, BigInt(counter));
  for (let i = 0; i < 8; i++) nonce[4 + i]! ^= c[i]!;
  return nonce;
}

/** The clear header (= AAD) of an envelope. */
export function encodeChatHeader(senderId: string, epoch: number, counter: number): Uint8Array {
  const id = senderIdBytes(senderId);
  const out = new Uint8Array(2 + id.length + 12);
  const view = new DataView(out.buffer);
  out[0] = VERSION;
  out[1] = id.length;
  out.set(id, 2);
  view.setUint32(2 + id.length, epoch);
  view.setBigUint64(6 + id.length, BigInt(counter));
  return out;
}

/** The bytes a sender signs: label ‖ header ‖ ciphertext. */
export function chatSignedBytes(headerAndCiphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIG_LABEL.length + headerAndCiphertext.length);
  out.set(SIG_LABEL);
  out.set(headerAndCiphertext, SIG_LABEL.length);
  return out;
}

/** A parsed (not yet authenticated) envelope. */
export interface ParsedChat {
  readonly senderId: string;
  readonly epoch: number;
  readonly counter: number;
  readonly header: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** Header ‖ ciphertext: what the signature covers (after the label). */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Split an envelope into its fields.
 *
 * @throws {ChatError} `'malformed-message'`
 */
export function parseChat(bytes: Uint8Array): ParsedChat {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2 || bytes[0] !== VERSION) throw malformed();
  const n = bytes[1]!;
  const headerLen = 2 + n + 12;
  if (n === 0 || bytes.length < headerLen + 1 + TAG_BYTES + SIG_BYTES) throw malformed();
  let senderId: string;
  try {
    senderId = dec.decode(bytes.subarray(2, 2 + n));
  } catch (cause) {
    throw malformed(cause);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const epoch = view.getUint32(2 + n);
  const counter = view.getBigUint64(6 + n);
  if (counter > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed();
  const sigAt = bytes.length - SIG_BYTES;
  return {
    senderId,
    epoch,
    counter: Number(counter),
    header: bytes.subarray(0, headerLen),
    ciphertext: bytes.subarray(headerLen, sigAt),
    signed: bytes.subarray(0, sigAt),
    signature: bytes.subarray(sigAt),
  };
}

/** @throws {ChatError} `'invalid-options'` */
export function senderIdBytes(senderId: string): Uint8Array {
  const id = typeof senderId === 'string' ? enc.encode(senderId) : new Uint8Array(0);
  if (id.length === 0 || id.length > MAX_SENDER_ID_BYTES) throw new ChatError('invalid-options', 'a sender id is 1–255 UTF-8 bytes');
  return id;
}

/** @throws {ChatError} `'invalid-options'` */
export function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > 0xffffffff) throw new ChatError('invalid-options', 'an epoch is a u32');
}

function malformed(cause?: unknown): ChatError {
  return new ChatError('malformed-message', 'not a sealrtc chat envelope of a supported version', cause === undefined ? undefined : { cause });
}
