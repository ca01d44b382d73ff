/**
 * The AEAD of each cipher suite over WebCrypto — RFC 9605 §4.5.
 *
 * AES-GCM suites map straight onto WebCrypto's AES-GCM with its default 128-bit tag (`tagLength`
 * is left out on purpose: spelling out the default costs Node ~8 µs per call in its WebIDL layer). The AES-CTR-HMAC suites
 * (§4.5.1) are composed from WebCrypto's AES-CTR and HMAC:
 *
 * ```text
 * sframe_key = enc_key (Nka bytes) ‖ auth_key (the rest)
 * ct         = AES-CTR(enc_key, counter block = nonce ‖ 00 00 00 00, pt)
 * auth_data  = len(aad) ‖ len(ct) ‖ Nt      (three u64, big-endian)
 *              ‖ nonce ‖ aad ‖ ct
 * tag        = HMAC(auth_key, auth_data)[0 … Nt)
 * output     = ct ‖ tag
 * ```
 *
 * On open the tag is checked before any decryption, so a forged frame never produces plaintext.
 * WebCrypto's HMAC `verify` compares full-length MACs only, and these tags are truncated (10, 8
 * or 4 bytes), so the tag is recomputed with `sign` and compared without an early exit.
 *
 * @module
 */
import { bs, subtle } from './bytes.js';
import { authFailed } from './errors.js';
import type { SuiteParams } from './suites.js';

/** Imported WebCrypto keys for one suite. @internal */
export type AeadKey =
  | { readonly params: SuiteParams; readonly kind: 'gcm'; readonly key: CryptoKey }
  | { readonly params: SuiteParams; readonly kind: 'ctr-hmac'; readonly enc: CryptoKey; readonly mac: CryptoKey };

/** Imports `sframe_key` (Nk bytes) as non-extractable WebCrypto keys. @internal */
export async function importAeadKey(params: SuiteParams, key: Uint8Array): Promise<AeadKey> {
  if (params.aead === 'AES-GCM') {
    return { params, kind: 'gcm', key: await subtle().importKey('raw', bs(key), 'AES-GCM', false, ['encrypt', 'decrypt']) };
  }
  const [enc, mac] = await Promise.all([
    subtle().importKey('raw', bs(key.subarray(0, params.nka)), 'AES-CTR', false, ['encrypt', 'decrypt']),
    subtle().importKey('raw', bs(key.subarray(params.nka)), { name: 'HMAC', hash: params.hash }, false, ['sign']),
  ]);
  return { params, kind: 'ctr-hmac', enc, mac };
}

/** The initial AES-CTR block: nonce ‖ 0x00000000; WebCrypto counts in the low 32 bits. */
function ctrParams(nonce: Uint8Array): AesCtrParams {
  const counter = new Uint8Array(16);
  counter.set(nonce);
  return { name: 'AES-CTR', counter, length: 32 };
}

/** HMAC over §4.5.1's auth_data, truncated to Nt. */
type CtrHmacKey = AeadKey & { kind: 'ctr-hmac' };

async function computeTag(k: CtrHmacKey, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Promise<Uint8Array> {
  const authData = new Uint8Array(24 + nonce.length + aad.length + ct.length);
  const dv = new DataView(authData.buffer);
  dv.setBigUint64(0, BigInt(aad.length));
  dv.setBigUint64(8, BigInt(ct.length));
  dv.setBigUint64(16, BigInt(k.params.nt));
  authData.set(nonce, 24);
  authData.set(aad, 24 + nonce.length);
  authData.set(ct, 24 + nonce.length + aad.length);
  const full = await subtle().sign('HMAC', k.mac, authData);
  return new Uint8Array(full, 0, k.params.nt);
}

/** Equality of two tags without an early exit (the loop always runs over every byte). */
function tagsEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * AEAD.Encrypt(key, nonce, aad, pt), returned as `aad[0 … prefixLen) ‖ ct ‖ tag` in one fresh
 * buffer that spans its whole ArrayBuffer (the SFrame header is the AAD's prefix). @internal
 */
export function aeadSeal(
  k: AeadKey,
  nonce: Uint8Array,
  aad: Uint8Array,
  prefixLen: number,
  pt: Uint8Array,
): Promise<Uint8Array> {
  if (k.kind === 'gcm') {
    // Plain promise chaining (no async wrapper) keeps the per-frame path to one continuation.
    return subtle()
      .encrypt({ name: 'AES-GCM', iv: bs(nonce), additionalData: bs(aad) }, k.key, bs(pt))
      .then((ct) => {
        const out = new Uint8Array(prefixLen + ct.byteLength);
        out.set(aad.subarray(0, prefixLen));
        out.set(new Uint8Array(ct), prefixLen);
        return out;
      });
  }
  return ctrHmacSeal(k, nonce, aad, prefixLen, pt);
}

async function ctrHmacSeal(
  k: CtrHmacKey,
  nonce: Uint8Array,
  aad: Uint8Array,
  prefixLen: number,
  pt: Uint8Array,
): Promise<Uint8Array> {
  const ct = new Uint8Array(await subtle().encrypt(ctrParams(nonce), k.enc, bs(pt)));
  const tag = await computeTag(k, nonce, aad, ct);
  const out = new Uint8Array(prefixLen + ct.length + tag.length);
  out.set(aad.subarray(0, prefixLen));
  out.set(ct, prefixLen);
  out.set(tag, prefixLen + ct.length);
  return out;
}

/**
 * AEAD.Decrypt(key, nonce, aad, ct ‖ tag) → plaintext in a fresh buffer.
 * Any failure throws the single `'auth-failed'` error; no plaintext is produced. @internal
 */
export function aeadOpen(k: AeadKey, nonce: Uint8Array, aad: Uint8Array, ctTag: Uint8Array): Promise<Uint8Array> {
  if (ctTag.length < k.params.nt) return Promise.reject(authFailed());
  if (k.kind === 'gcm') {
    return subtle().decrypt({ name: 'AES-GCM', iv: bs(nonce), additionalData: bs(aad) }, k.key, bs(ctTag)).then(
      (pt) => new Uint8Array(pt),
      (e: unknown) => {
        // WebCrypto reports a bad tag as OperationError; anything else is a real bug and surfaces.
        throw e instanceof DOMException && e.name === 'OperationError' ? authFailed() : e;
      },
    );
  }
  return ctrHmacOpen(k, nonce, aad, ctTag);
}

async function ctrHmacOpen(k: CtrHmacKey, nonce: Uint8Array, aad: Uint8Array, ctTag: Uint8Array): Promise<Uint8Array> {
  const nt = k.params.nt;
  const ct = ctTag.subarray(0, ctTag.length - nt);
  const expected = await computeTag(k, nonce, aad, ct);
  if (!tagsEqual(expected, ctTag.subarray(ctTag.length - nt))) throw authFailed();
  return new Uint8Array(await subtle().decrypt(ctrParams(nonce), k.enc, bs(ct)));
}
