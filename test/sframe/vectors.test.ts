/**
 * RFC 9605 Appendix C vectors (../shared/vectors/rfc9605-test-vectors.json, provenance in its
 * README): every header both ways, the AES-CTR-HMAC AEAD vectors, and the per-suite SFrame vectors.
 */
import { describe, expect, it } from 'vitest';
import { hex, loadVectors, toHex } from '../helpers/vectors.js';
import { decodeHeader, deriveKeyMaterial, encodeHeader, open, seal, suiteParams } from '../../src/sframe/index.js';
import { aeadOpen, aeadSeal, importAeadKey } from '../../src/sframe/aead.js';
import { keyScheduleLabel } from '../../src/sframe/keyschedule.js';
import { frameNonce } from '../../src/sframe/frame.js';

interface HeaderVector { kid: bigint; ctr: bigint; encoded: string }
interface AeadVector { cipher_suite: bigint; key: string; enc_key: string; auth_key: string; nonce: string; aad: string; pt: string; ct: string }
interface SFrameVector {
  cipher_suite: bigint; kid: bigint; ctr: bigint; base_key: string;
  sframe_key_label: string; sframe_salt_label: string; sframe_secret: string;
  sframe_key: string; sframe_salt: string; metadata: string; nonce: string; aad: string; pt: string; ct: string;
}
const V = loadVectors<{ header: HeaderVector[]; aes_ctr_hmac: AeadVector[]; sframe: SFrameVector[] }>('rfc9605-test-vectors.json');

describe('RFC 9605 header vectors (§4.3)', () => {
  it('has all 289', () => expect(V.header).toHaveLength(289));
  it.each(V.header.map((v) => [v.kid, v.ctr, v.encoded] as const))('kid=%s ctr=%s ⇄ %s', (kid, ctr, encoded) => {
    expect(toHex(encodeHeader(kid, ctr))).toBe(encoded);
    // Decoding must consume exactly the header even with ciphertext behind it.
    const withBody = new Uint8Array([...hex(encoded), 0xaa, 0xbb]);
    expect(decodeHeader(withBody)).toEqual({ kid, ctr, size: encoded.length / 2 });
  });
});

describe('RFC 9605 AES-CTR-HMAC AEAD vectors (§4.5.1)', () => {
  it('has 3', () => expect(V.aes_ctr_hmac).toHaveLength(3));
  it.each(V.aes_ctr_hmac.map((v) => [Number(v.cipher_suite), v] as const))('suite %i seals and opens', async (suite, v) => {
    const params = suiteParams(suite);
    const key = hex(v.key);
    expect(toHex(key.subarray(0, params.nka))).toBe(v.enc_key);
    expect(toHex(key.subarray(params.nka))).toBe(v.auth_key);
    const k = await importAeadKey(params, key);
    const ct = await aeadSeal(k, hex(v.nonce), hex(v.aad), 0, hex(v.pt));
    expect(toHex(ct)).toBe(v.ct);
    expect(toHex(await aeadOpen(k, hex(v.nonce), hex(v.aad), hex(v.ct)))).toBe(v.pt);
    const bad = hex(v.ct);
    bad[bad.length - 1]! ^= 1;
    await expect(aeadOpen(k, hex(v.nonce), hex(v.aad), bad)).rejects.toMatchObject({ code: 'auth-failed' });
  });
});

describe('RFC 9605 per-suite SFrame vectors (§4.4, §4.5)', () => {
  it('has one per suite 1–5', () => expect(V.sframe.map((v) => Number(v.cipher_suite))).toEqual([1, 2, 3, 4, 5]));
  it.each(V.sframe.map((v) => [Number(v.cipher_suite), v] as const))('suite %i', async (suite, v) => {
    expect(toHex(keyScheduleLabel('key', v.kid, suite))).toBe(v.sframe_key_label);
    expect(toHex(keyScheduleLabel('salt', v.kid, suite))).toBe(v.sframe_salt_label);
    const base = hex(v.base_key);
    const { key, salt } = await deriveKeyMaterial(suite, base, v.kid);
    expect(toHex(key)).toBe(v.sframe_key);
    expect(toHex(salt)).toBe(v.sframe_salt);
    expect(toHex(frameNonce(salt, v.ctr))).toBe(v.nonce);
    const header = encodeHeader(v.kid, v.ctr);
    expect(toHex(header) + v.metadata).toBe(v.aad);
    const sframe = await seal({ suite, baseKey: base, kid: v.kid, ctr: v.ctr, metadata: hex(v.metadata), plaintext: hex(v.pt) });
    expect(toHex(sframe)).toBe(v.ct);
    const opened = await open({ suite, baseKey: base, metadata: hex(v.metadata), sframe: hex(v.ct) });
    expect(opened.kid).toBe(v.kid);
    expect(opened.ctr).toBe(v.ctr);
    expect(toHex(opened.plaintext)).toBe(v.pt);
    expect(toHex(base)).toBe(v.base_key); // the caller's key is left untouched
  });
});
