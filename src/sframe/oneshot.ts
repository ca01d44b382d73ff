/**
 * Stateless SFrame seal/open (RFC 9605 §4.4.3–4.4.4): derive, import, protect one frame, forget.
 *
 * Fine for tests, tools and the occasional frame. A media pipeline uses {@link SFrameContext},
 * which derives once per KID, owns the counter and rejects replays.
 *
 * @module
 */
import { decodeHeader, checkU64 } from './header.js';
import { copyBaseKey } from './keyschedule.js';
import { openFrame, prepareFrameKey, retireFrameKey, sealFrame } from './frame.js';
import { suiteParams } from './suites.js';

/** Input of {@link seal}. */
export interface SealOptions {
  /** A {@link CipherSuite} id. */
  suite: number;
  /** The sender's base key (≥ 16 bytes). */
  baseKey: Uint8Array;
  /** Key identifier, 0…2^64 − 1. */
  kid: bigint;
  /** Frame counter, 0…2^64 − 1. Never seal two frames with the same (base key, KID, CTR). */
  ctr: bigint;
  /** Authenticated but unencrypted data (for example codec header bytes left in clear). */
  metadata: Uint8Array;
  /** The frame to protect. */
  plaintext: Uint8Array;
}

/** Input of {@link open}. */
export interface OpenOptions {
  /** The {@link CipherSuite} id the frame was sealed under. */
  suite: number;
  /** The sender's base key for the KID in the frame's header. */
  baseKey: Uint8Array;
  /** The same metadata the sender authenticated. */
  metadata: Uint8Array;
  /** A whole SFrame ciphertext: header ‖ ct ‖ tag. */
  sframe: Uint8Array;
}

/** What opening a frame yields. */
export interface OpenResult {
  /** KID from the frame's header. */
  kid: bigint;
  /** CTR from the frame's header. */
  ctr: bigint;
  /** The authenticated plaintext, in a buffer of its own. */
  plaintext: Uint8Array;
}

/**
 * Encrypts one frame into SFrame format (RFC 9605 §4.4.3): `header ‖ ct ‖ tag`.
 *
 * @throws SFrameError `'unsupported-suite'`, `'invalid-argument'` (KID/CTR range, short base key).
 * @example
 * ```ts
 * const frame = await seal({ suite: CipherSuite.AES_256_GCM_SHA512_128, baseKey, kid: 1n, ctr: 0n,
 *   metadata: new Uint8Array(0), plaintext });
 * ```
 */
export async function seal(opts: SealOptions): Promise<Uint8Array> {
  const params = suiteParams(opts.suite);
  checkU64(opts.kid, 'KID');
  checkU64(opts.ctr, 'CTR');
  const baseKey = copyBaseKey(opts.baseKey);
  try {
    const key = await prepareFrameKey(params, baseKey, opts.kid);
    try {
      return await sealFrame(key, opts.ctr, opts.metadata, opts.plaintext);
    } finally {
      retireFrameKey(key);
    }
  } finally {
    baseKey.fill(0);
  }
}

/**
 * Decrypts one SFrame (RFC 9605 §4.4.4), deriving the key for the KID in its header.
 * Returns nothing but the error if authentication fails — never partial plaintext.
 *
 * @throws SFrameError `'malformed-header'`, `'auth-failed'`, `'unsupported-suite'`,
 *   `'invalid-argument'` (short base key).
 * @example
 * ```ts
 * const { kid, ctr, plaintext } = await open({ suite: 5, baseKey, metadata, sframe: frame });
 * ```
 */
export async function open(opts: OpenOptions): Promise<OpenResult> {
  const params = suiteParams(opts.suite);
  const hdr = decodeHeader(opts.sframe);
  const baseKey = copyBaseKey(opts.baseKey);
  try {
    const key = await prepareFrameKey(params, baseKey, hdr.kid);
    try {
      const plaintext = await openFrame(key, hdr, opts.metadata, opts.sframe);
      return { kid: hdr.kid, ctr: hdr.ctr, plaintext };
    } finally {
      retireFrameKey(key);
    }
  } finally {
    baseKey.fill(0);
  }
}
