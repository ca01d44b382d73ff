/**
 * The five cipher suites of RFC 9605 §4.5 and their parameters (IANA "SFrame Cipher Suites").
 *
 * @module
 */
import { SFrameError } from './errors.js';

/**
 * RFC 9605 cipher suite names → their registered ids (RFC 9605 §4.5, §8.1).
 * sealrtc's default is {@link CipherSuite.AES_256_GCM_SHA512_128}.
 *
 * @example
 * ```ts
 * const ctx = new SFrameContext({ suite: CipherSuite.AES_128_GCM_SHA256_128 });
 * ```
 */
export const CipherSuite = {
  /** AES-128-CTR + HMAC-SHA256, 80-bit tag (RFC 9605 §4.5.1). */
  AES_128_CTR_HMAC_SHA256_80: 0x0001,
  /** AES-128-CTR + HMAC-SHA256, 64-bit tag (RFC 9605 §4.5.1). */
  AES_128_CTR_HMAC_SHA256_64: 0x0002,
  /** AES-128-CTR + HMAC-SHA256, 32-bit tag (RFC 9605 §4.5.1); its short tag resists forgery far less. */
  AES_128_CTR_HMAC_SHA256_32: 0x0003,
  /** AES-128-GCM, 128-bit tag, HKDF-SHA256. */
  AES_128_GCM_SHA256_128: 0x0004,
  /** AES-256-GCM, 128-bit tag, HKDF-SHA512 — sealrtc's default. */
  AES_256_GCM_SHA512_128: 0x0005,
} as const;

/** A registered suite name (a key of {@link CipherSuite}). */
export type CipherSuiteName = keyof typeof CipherSuite;
/** A registered suite id (a value of {@link CipherSuite}). */
export type CipherSuiteId = (typeof CipherSuite)[CipherSuiteName];

/** The suite sealrtc uses unless told otherwise: AES_256_GCM_SHA512_128 (0x0005). */
export const DEFAULT_CIPHER_SUITE: CipherSuiteId = CipherSuite.AES_256_GCM_SHA512_128;

/** Parameters of one cipher suite (RFC 9605 §4.5 table; sizes in bytes). */
export interface SuiteParams {
  /** Registered id (0x0001–0x0005). */
  readonly id: CipherSuiteId;
  /** Registered name. */
  readonly name: CipherSuiteName;
  /** `'AES-GCM'`, or AES-CTR with a truncated HMAC tag (RFC 9605 §4.5.1). */
  readonly aead: 'AES-GCM' | 'AES-CTR-HMAC';
  /** Hash of the key schedule's HKDF (and of the HMAC for CTR suites). */
  readonly hash: 'SHA-256' | 'SHA-512';
  /** Nk: size of the derived sframe_key. */
  readonly nk: number;
  /** Nka: size of the AES-CTR encryption part of sframe_key (CTR suites; 0 for GCM). */
  readonly nka: number;
  /** Nn: nonce size. */
  readonly nn: number;
  /** Nt: tag size. */
  readonly nt: number;
  /**
   * Highest CTR an {@link SFrameContext} sends under one KID. 2^23 frames per key: with frames
   * averaging up to 128 KiB (2^13 AES blocks) the AES birthday bound (σ + q + 1)² / 2^129 stays
   * near 2^-57, the confidentiality margin RFC 9001 §6.6 uses for AES-GCM; AES-CTR has the same
   * bound. sealrtc rekeys every 10 minutes, far below it (≈ 36 000 frames at 60 fps).
   */
  readonly maxCounter: bigint;
}

const SAFE_FRAMES = 2n ** 23n - 1n;

const TABLE: ReadonlyMap<number, SuiteParams> = new Map<number, SuiteParams>(
  (
    [
      ['AES_128_CTR_HMAC_SHA256_80', 'AES-CTR-HMAC', 'SHA-256', 48, 16, 10],
      ['AES_128_CTR_HMAC_SHA256_64', 'AES-CTR-HMAC', 'SHA-256', 48, 16, 8],
      ['AES_128_CTR_HMAC_SHA256_32', 'AES-CTR-HMAC', 'SHA-256', 48, 16, 4],
      ['AES_128_GCM_SHA256_128', 'AES-GCM', 'SHA-256', 16, 0, 16],
      ['AES_256_GCM_SHA512_128', 'AES-GCM', 'SHA-512', 32, 0, 16],
    ] as const
  ).map(([name, aead, hash, nk, nka, nt]) => {
    const id = CipherSuite[name];
    return [id, Object.freeze({ id, name, aead, hash, nk, nka, nn: 12, nt, maxCounter: SAFE_FRAMES })];
  }),
);

/**
 * Look up a suite's parameters.
 *
 * @throws SFrameError `'unsupported-suite'` for any id but 0x0001–0x0005.
 * @example
 * ```ts
 * suiteParams(CipherSuite.AES_256_GCM_SHA512_128).nt; // 16
 * ```
 */
export function suiteParams(suite: number): SuiteParams {
  const p = TABLE.get(suite);
  if (p === undefined) throw new SFrameError('unsupported-suite', `unsupported SFrame cipher suite ${String(suite)}`);
  return p;
}
