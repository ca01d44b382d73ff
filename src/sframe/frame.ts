/**
 * SFrame encryption and decryption of one frame with a prepared per-KID key — RFC 9605 §4.4.3–4.4.4.
 *
 * ```text
 * nonce  = sframe_salt XOR (CTR as Nn-byte big-endian)
 * aad    = header ‖ metadata
 * SFrame = header ‖ AEAD.Encrypt(sframe_key, nonce, aad, plaintext)      (= header ‖ ct ‖ tag)
 * ```
 *
 * Shared by the one-shot {@link seal}/{@link open} and by {@link SFrameContext}. @internal
 *
 * @module
 */
import { aeadOpen, aeadSeal, importAeadKey, type AeadKey } from './aead.js';
import { headerSizeUnchecked, writeHeader, type SFrameHeader } from './header.js';
import { deriveWith } from './keyschedule.js';
import type { SuiteParams } from './suites.js';

/** Everything needed to protect frames under one KID: imported keys and the salt. @internal */
export interface FrameKey {
  readonly kid: bigint;
  readonly aead: AeadKey;
  /** sframe_salt (Nn bytes); zeroed by {@link retireFrameKey}. */
  readonly salt: Uint8Array;
  /** Set once retired; a retired key must not seal or open again. */
  retired: boolean;
}

/**
 * Derives (§4.4.2) and imports the key for `kid`. The derived key bytes are zeroed once imported;
 * `baseKey` is left to the caller. @internal
 */
export async function prepareFrameKey(params: SuiteParams, baseKey: Uint8Array, kid: bigint): Promise<FrameKey> {
  const { key, salt } = await deriveWith(params, baseKey, kid);
  try {
    return { kid, aead: await importAeadKey(params, key), salt, retired: false };
  } catch (e) {
    salt.fill(0);
    throw e;
  } finally {
    key.fill(0);
  }
}

/** Forgets what can be forgotten: zeroes the salt (CryptoKeys are non-extractable and dropped). @internal */
export function retireFrameKey(k: FrameKey): void {
  k.retired = true;
  k.salt.fill(0);
}

/** nonce = salt XOR CTR, CTR big-endian in the last 8 bytes (RFC 9605 §4.4.3). @internal */
export function frameNonce(salt: Uint8Array, ctr: bigint): Uint8Array {
  const n = salt.slice();
  let lo = Number(ctr & 0xffff_ffffn);
  let hi = Number(ctr >> 32n);
  for (let i = n.length - 1; i >= n.length - 4; i--) {
    n[i]! ^= lo & 0xff;
    lo >>>= 8;
  }
  for (let i = n.length - 5; i >= n.length - 8; i--) {
    n[i]! ^= hi & 0xff;
    hi >>>= 8;
  }
  return n;
}

/**
 * Encrypts one frame: returns `header ‖ ct ‖ tag` in a buffer of its own (byteOffset 0, spanning
 * the whole ArrayBuffer, so `out.buffer` can be handed on without a copy). KID/CTR must be
 * range-checked by the caller. @internal
 */
export function sealFrame(k: FrameKey, ctr: bigint, metadata: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const hl = headerSizeUnchecked(k.kid, ctr);
  // The header is written once, as the AAD's prefix, and copied from there into the output.
  const aad = new Uint8Array(hl + metadata.length);
  writeHeader(aad, k.kid, ctr);
  aad.set(metadata, hl);
  return aeadSeal(k.aead, frameNonce(k.salt, ctr), aad, hl, plaintext);
}

/**
 * Decrypts one frame whose header was already decoded (`hdr.kid` must equal `k.kid`).
 * @throws SFrameError `'auth-failed'` (always the same error). @internal
 */
export function openFrame(k: FrameKey, hdr: SFrameHeader, metadata: Uint8Array, sframe: Uint8Array): Promise<Uint8Array> {
  let aad = sframe.subarray(0, hdr.size);
  if (metadata.length > 0) {
    const joined = new Uint8Array(hdr.size + metadata.length);
    joined.set(aad);
    joined.set(metadata, hdr.size);
    aad = joined;
  }
  return aeadOpen(k.aead, frameNonce(k.salt, hdr.ctr), aad, sframe.subarray(hdr.size));
}
