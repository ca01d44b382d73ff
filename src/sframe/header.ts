/**
 * The SFrame header codec — RFC 9605 §4.3.
 *
 * One config byte, then the KID bytes (if any), then the CTR bytes (if any):
 *
 * ```text
 *   0 1 2 3 4 5 6 7
 *  +-+-+-+-+-+-+-+-+-------------------------+-------------------------+
 *  |X|  K  |Y|  C  |  KID (K+1 bytes, if X)  |  CTR (C+1 bytes, if Y)  |
 *  +-+-+-+-+-+-+-+-+-------------------------+-------------------------+
 *
 *  X = 0: K is the KID itself (0…7)      X = 1: K + 1 big-endian KID bytes follow (1…8)
 *  Y = 0: C is the CTR itself (0…7)      Y = 1: C + 1 big-endian CTR bytes follow (1…8)
 * ```
 *
 * Values 0…7 always ride in the config byte and larger ones use the fewest bytes, so a header is
 * 1–17 bytes long and every (KID, CTR) pair has exactly one encoding. The decoder insists on that
 * minimal form: two byte strings never name the same (KID, CTR), which keeps the header — part of
 * the AAD — canonical.
 *
 * @module
 */
import { SFrameError } from './errors.js';

/** 2^64 − 1, the largest KID or CTR the header can carry. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** A decoded SFrame header. */
export interface SFrameHeader {
  /** Key identifier. */
  kid: bigint;
  /** Frame counter. */
  ctr: bigint;
  /** Header length in bytes (where the ciphertext starts). */
  size: number;
}

/** @internal Throws `'invalid-argument'` unless 0 ≤ v ≤ 2^64 − 1. */
export function checkU64(v: bigint, what: 'KID' | 'CTR'): void {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
    throw new SFrameError('invalid-argument', `${what} must be a bigint in 0…2^64-1`);
  }
}

/** Bytes a value needs after the config byte: 0 for 0…7, else its minimal big-endian length. */
function extLength(v: bigint): number {
  if (v < 8n) return 0;
  if (v <= 0xffff_ffffn) {
    const n = Number(v);
    return n > 0xff_ffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
  }
  const hi = Number(v >> 32n);
  return hi > 0xff_ffff ? 8 : hi > 0xffff ? 7 : hi > 0xff ? 6 : 5;
}

/** Writes `len` big-endian bytes of `v` at `out[at…]`. */
function writeBE(out: Uint8Array, at: number, v: bigint, len: number): void {
  let lo = Number(v & 0xffff_ffffn);
  let hi = len > 4 ? Number(v >> 32n) : 0;
  for (let i = at + len - 1; i >= at; i--) {
    out[i] = lo & 0xff;
    lo = (lo >>> 8) | ((hi & 0xff) << 24);
    hi >>>= 8;
  }
}

/**
 * Length in bytes of the header for (KID, CTR), without encoding it.
 *
 * @throws SFrameError `'invalid-argument'` if KID or CTR is outside 0…2^64 − 1.
 * @example
 * ```ts
 * headerSize(3n, 300n); // 3: config byte + two CTR bytes
 * ```
 */
export function headerSize(kid: bigint, ctr: bigint): number {
  checkU64(kid, 'KID');
  checkU64(ctr, 'CTR');
  return 1 + extLength(kid) + extLength(ctr);
}

/** {@link headerSize} for values already known to be in range (the per-frame path). @internal */
export function headerSizeUnchecked(kid: bigint, ctr: bigint): number {
  return 1 + extLength(kid) + extLength(ctr);
}

/**
 * Encodes the header into `out` at offset 0 (`out` must hold {@link headerSize} bytes) and returns
 * its length. KID and CTR must already be range-checked. @internal
 */
export function writeHeader(out: Uint8Array, kid: bigint, ctr: bigint): number {
  const kl = extLength(kid);
  const cl = extLength(ctr);
  out[0] = (kl === 0 ? Number(kid) << 4 : 0x80 | ((kl - 1) << 4)) | (cl === 0 ? Number(ctr) : 0x08 | (cl - 1));
  if (kl > 0) writeBE(out, 1, kid, kl);
  if (cl > 0) writeBE(out, 1 + kl, ctr, cl);
  return 1 + kl + cl;
}

/**
 * Encodes an SFrame header (RFC 9605 §4.3) in its minimal form.
 *
 * @throws SFrameError `'invalid-argument'` if KID or CTR is outside 0…2^64 − 1.
 * @example
 * ```ts
 * encodeHeader(291n, 17767n); // Uint8Array [0x99, 0x01, 0x23, 0x45, 0x67]
 * ```
 */
export function encodeHeader(kid: bigint, ctr: bigint): Uint8Array {
  const out = new Uint8Array(headerSize(kid, ctr));
  writeHeader(out, kid, ctr);
  return out;
}

/** Reads a `len`-byte big-endian extension at `at`, rejecting non-minimal forms. */
function readExt(bytes: Uint8Array, at: number, len: number, what: string): bigint {
  if (bytes.length < at + len) throw new SFrameError('malformed-header', `SFrame header truncated in ${what}`);
  let v = 0n;
  let small = 0;
  for (let i = at; i < at + len; i++) {
    const b = bytes[i]!;
    if (len <= 6) small = small * 256 + b;
    else v = (v << 8n) | BigInt(b);
  }
  if (len <= 6) v = BigInt(small);
  // Minimal form: no leading zero byte, and values 0…7 belong in the config byte.
  if (bytes[at] === 0 || v < 8n) throw new SFrameError('malformed-header', `SFrame header ${what} not minimally encoded`);
  return v;
}

/**
 * Decodes the SFrame header at the start of `bytes` (RFC 9605 §4.3). Bytes after the header
 * (the ciphertext) are ignored; `size` says where they start.
 *
 * @throws SFrameError `'malformed-header'` if `bytes` is empty, ends inside the header, or the
 *   header is not minimally encoded.
 * @example
 * ```ts
 * const { kid, ctr, size } = decodeHeader(frame); // e.g. 291n, 17767n, 5
 * ```
 */
export function decodeHeader(bytes: Uint8Array): SFrameHeader {
  const config = bytes[0];
  if (config === undefined) throw new SFrameError('malformed-header', 'SFrame header is empty');
  const k = (config >> 4) & 7;
  const c = config & 7;
  let size = 1;
  let kid: bigint;
  if (config & 0x80) {
    kid = readExt(bytes, size, k + 1, 'KID');
    size += k + 1;
  } else kid = BigInt(k);
  let ctr: bigint;
  if (config & 0x08) {
    ctr = readExt(bytes, size, c + 1, 'CTR');
    size += c + 1;
  } else ctr = BigInt(c);
  return { kid, ctr, size };
}
