/**
 * VP8 framing: the uncompressed data chunk at the start of each frame stays clear, the rest is
 * the SFrame payload.
 *
 * RFC 6386 §9.1: every frame starts with a 3-byte frame tag; key frames add a 7-byte start code
 * and size (§9.2). Packetizers and SFUs read exactly these bytes (key/delta bit, frame size), and
 * Chromium's receiver misreads key frames when they are encrypted (BROWSER-TESTING.md).
 *
 * ```
 * frame tag (little-endian bit order, RFC 6386 §9.1)
 *  byte 0                 byte 1      byte 2
 * +-+-----+-+-----------+-----------+-----------+
 * |P| ver |S| size[0:4] | size[4:12]|size[12:19]|   P = 0: key frame, 1: interframe
 * +-+-----+-+-----------+-----------+-----------+   (P is bit 0 of byte 0)
 *
 * key frame:   | tag (3) | 9d 01 2a | width (2) | height (2) | SFrame(payload …)
 *              |<------------ 10 bytes clear, metadata ------>|
 * interframe:  | tag (3) | SFrame(payload …)
 * ```
 *
 * @module
 */
import { malformed } from './errors.js';
import { prefixMetadata } from './layout.js';
import type { FrameCipher, FrameInfo } from './types.js';

/** Clear bytes of a VP8 key frame (frame tag + start code + dimensions). */
export const VP8_KEY_CLEAR = 10;
/** Clear bytes of a VP8 interframe (frame tag). */
export const VP8_DELTA_CLEAR = 3;

/**
 * Key/delta from the frame tag's P bit, checking the key-frame start code.
 *
 * @throws FramingError `'malformed-frame'` when shorter than the tag, or a key frame without `9d 01 2a`.
 * @example
 * ```ts
 * vp8IsKeyFrame(Uint8Array.of(0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01)); // true
 * ```
 */
export function vp8IsKeyFrame(frame: Uint8Array): boolean {
  if (frame.length < VP8_DELTA_CLEAR) throw malformed('VP8 frame shorter than its frame tag');
  const key = (frame[0]! & 0x01) === 0;
  if (key && (frame.length < VP8_KEY_CLEAR || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a)) {
    throw malformed('VP8 key frame without its start code');
  }
  return key;
}

/**
 * VP8 frame → `clear ‖ SFrame(payload)`.
 *
 * @throws FramingError `'malformed-frame'` (see {@link vp8IsKeyFrame}, or `info.keyFrame` contradicting the tag);
 *   whatever `cipher.seal` throws.
 * @example
 * ```ts
 * const wire = await protectVp8(frame, { keyFrame: true }, cipher);
 * ```
 */
export async function protectVp8(frame: Uint8Array, info: FrameInfo, cipher: FrameCipher): Promise<Uint8Array> {
  const key = vp8IsKeyFrame(frame);
  // The receiver can only use the tag bit, so the sender must too; a disagreeing encoder flag
  // means the frame is not what it claims to be.
  if (key !== info.keyFrame) throw malformed('keyFrame flag disagrees with the VP8 frame tag');
  const n = key ? VP8_KEY_CLEAR : VP8_DELTA_CLEAR;
  const clear = frame.subarray(0, n);
  const sframe = await cipher.seal(prefixMetadata('vp8', clear), frame.subarray(n));
  const out = new Uint8Array(n + sframe.length);
  out.set(clear, 0);
  out.set(sframe, n);
  return out;
}

/**
 * `clear ‖ SFrame(payload)` → VP8 frame.
 *
 * @throws FramingError `'malformed-frame'`; the cipher's SFrameError on any decryption failure.
 * @example
 * ```ts
 * const frame = await unprotectVp8(wire, cipher);
 * ```
 */
export async function unprotectVp8(data: Uint8Array, cipher: FrameCipher): Promise<Uint8Array> {
  const n = vp8IsKeyFrame(data) ? VP8_KEY_CLEAR : VP8_DELTA_CLEAR;
  const clear = data.subarray(0, n);
  const payload = await cipher.open(prefixMetadata('vp8', clear), data.subarray(n));
  const out = new Uint8Array(n + payload.length);
  out.set(clear, 0);
  out.set(payload, n);
  return out;
}
