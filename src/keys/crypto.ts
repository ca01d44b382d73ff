/**
 * The WebCrypto primitives the key layer uses: SHA-256/512, HKDF-SHA256, AES-256-GCM.
 * Nothing here is hand-written cryptography; it only adapts `globalThis.crypto.subtle`.
 *
 * @module
 */

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto (crypto.subtle) is not available');
  return s;
}

/** Random bytes from the platform CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** SHA-256 digest. */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', data as BufferSource));
}

/** SHA-512 digest. */
export async function sha512(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-512', data as BufferSource));
}

/** HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes. */
export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', ikm as BufferSource, 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: salt as BufferSource, info: info as BufferSource },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

/** Import a 32-byte AES-256-GCM key (non-extractable). */
export async function importAesGcm(raw: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey('raw', raw as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** AES-GCM seal with a 96-bit IV: ciphertext ‖ 16-byte tag. */
export async function aesGcmSeal(key: CryptoKey, iv: Uint8Array, aad: Uint8Array, pt: Uint8Array): Promise<Uint8Array> {
  const ct = await subtle().encrypt(
    { name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad as BufferSource, tagLength: 128 },
    key,
    pt as BufferSource,
  );
  return new Uint8Array(ct);
}

/** AES-GCM open; rejects (WebCrypto `OperationError`) when the tag does not verify. */
export async function aesGcmOpen(key: CryptoKey, iv: Uint8Array, aad: Uint8Array, ct: Uint8Array): Promise<Uint8Array> {
  const pt = await subtle().decrypt(
    { name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad as BufferSource, tagLength: 128 },
    key,
    ct as BufferSource,
  );
  return new Uint8Array(pt);
}
