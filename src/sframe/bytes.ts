/**
 * Small helpers shared by the SFrame modules: the one WebCrypto probe and a BufferSource cast.
 * @internal
 *
 * @module
 */
import { SFrameError } from './errors.js';

/**
 * The view typed the way TS's WebCrypto signatures want it. sealrtc never hands WebCrypto a
 * SharedArrayBuffer view (WebCrypto would reject it at run time), so this only narrows the type.
 */
export function bs(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u as Uint8Array<ArrayBuffer>;
}

let cached: SubtleCrypto | undefined;

/**
 * The platform's WebCrypto, probed on first use (never at import time, so importing
 * `sealrtc/sframe` has no side effects and cannot throw).
 * @throws SFrameError `'crypto-unavailable'` outside a secure context or on a runtime without WebCrypto.
 */
export function subtle(): SubtleCrypto {
  if (cached === undefined) {
    const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
    if (s === undefined) throw new SFrameError('crypto-unavailable', 'WebCrypto (crypto.subtle) is not available here');
    cached = s;
  }
  return cached;
}
