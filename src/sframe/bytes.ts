/**
 * Small byte helpers shared by the SFrame modules. @internal
 *
 * @module
 */

/**
 * The view typed the way TS's WebCrypto signatures want it. sealrtc never hands WebCrypto a
 * SharedArrayBuffer view (WebCrypto would reject it at run time), so this only narrows the type.
 */
export function bs(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u as Uint8Array<ArrayBuffer>;
}

/** The platform's WebCrypto, looked up once. */
export const subtle: SubtleCrypto = globalThis.crypto.subtle;
