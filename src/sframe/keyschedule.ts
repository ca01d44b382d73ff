/**
 * The SFrame key schedule — RFC 9605 §4.4.2: per-KID key and salt from a base key with HKDF.
 *
 * ```text
 * sframe_secret = HKDF-Extract(salt = "", IKM = base_key)
 * sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  ‖ KID ‖ suite, Nk)
 * sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " ‖ KID ‖ suite, Nn)
 *                                          KID: 8 bytes big-endian, suite: 2 bytes big-endian
 * ```
 *
 * WebCrypto's HKDF runs Extract and Expand together, so each `deriveBits` call below is exactly
 * one of the two lines above (an empty salt is HashLen zero bytes, RFC 5869 §2.2).
 *
 * @module
 */
import { bs, subtle } from './bytes.js';
import { SFrameError } from './errors.js';
import { checkU64 } from './header.js';
import { suiteParams, type SuiteParams } from './suites.js';

/** Shortest base key accepted: 128 bits. (RFC 9605 fixes none; shorter keys are a caller bug.) */
export const MIN_BASE_KEY_BYTES = 16;

/** A derived per-KID key and salt (RFC 9605 §4.4.2). The caller owns and should zero them. */
export interface KeyMaterial {
  /** sframe_key, Nk bytes (for CTR suites: AES key ‖ HMAC key). */
  key: Uint8Array;
  /** sframe_salt, Nn = 12 bytes. */
  salt: Uint8Array;
}

const KEY_PREFIX = new TextEncoder().encode('SFrame 1.0 Secret key ');
const SALT_PREFIX = new TextEncoder().encode('SFrame 1.0 Secret salt ');
const EMPTY = new Uint8Array(0);

/** `prefix ‖ KID (u64 BE) ‖ suite (u16 BE)`, the HKDF info of §4.4.2. @internal */
export function keyScheduleLabel(kind: 'key' | 'salt', kid: bigint, suite: number): Uint8Array {
  const prefix = kind === 'key' ? KEY_PREFIX : SALT_PREFIX;
  const out = new Uint8Array(prefix.length + 10);
  out.set(prefix);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(prefix.length, kid);
  dv.setUint16(prefix.length + 8, suite);
  return out;
}

/** @internal Checks the base key and returns a private copy of it. */
export function copyBaseKey(baseKey: Uint8Array): Uint8Array {
  if (!(baseKey instanceof Uint8Array) || baseKey.length < MIN_BASE_KEY_BYTES) {
    throw new SFrameError('invalid-argument', `SFrame base key must be at least ${MIN_BASE_KEY_BYTES} bytes`);
  }
  return baseKey.slice();
}

/**
 * Derives key and salt; `baseKey` is used as is (callers pass their own copy). @internal
 */
export async function deriveWith(params: SuiteParams, baseKey: Uint8Array, kid: bigint): Promise<KeyMaterial> {
  const ikm = await subtle().importKey('raw', bs(baseKey), 'HKDF', false, ['deriveBits']);
  const hkdf = (info: Uint8Array, bytes: number): Promise<ArrayBuffer> =>
    subtle().deriveBits({ name: 'HKDF', hash: params.hash, salt: EMPTY, info: bs(info) }, ikm, bytes * 8);
  const [key, salt] = await Promise.all([
    hkdf(keyScheduleLabel('key', kid, params.id), params.nk),
    hkdf(keyScheduleLabel('salt', kid, params.id), params.nn),
  ]);
  return { key: new Uint8Array(key), salt: new Uint8Array(salt) };
}

/**
 * Derives the per-KID `sframe_key` and `sframe_salt` from a base key (RFC 9605 §4.4.2).
 *
 * @param suite - a {@link CipherSuite} id; selects the HKDF hash, Nk and the label's suite field.
 * @param baseKey - the sender's base key (≥ 16 bytes); not modified.
 * @param kid - the key identifier, 0…2^64 − 1.
 * @throws SFrameError `'unsupported-suite'`, `'invalid-argument'` (KID range, short base key).
 * @example
 * ```ts
 * const { key, salt } = await deriveKeyMaterial(CipherSuite.AES_256_GCM_SHA512_128, baseKey, 7n);
 * // … use them, then: key.fill(0); salt.fill(0);
 * ```
 */
export async function deriveKeyMaterial(suite: number, baseKey: Uint8Array, kid: bigint): Promise<KeyMaterial> {
  const params = suiteParams(suite);
  checkU64(kid, 'KID');
  const copy = copyBaseKey(baseKey);
  try {
    return await deriveWith(params, copy, kid);
  } finally {
    copy.fill(0);
  }
}
