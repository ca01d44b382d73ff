/**
 * Whole-frame framing for VP9 and Opus: the entire frame is the SFrame payload, nothing is clear.
 *
 * ```
 * | SFrame header | ciphertext of the whole frame | tag |
 * ```
 *
 * VP9: RTP packetizers and SFUs take what they need from the RTP payload descriptor, which
 * libwebrtc fills from encoder metadata, never from the bitstream; Chromium decodes VP9 with the
 * whole frame encrypted (BROWSER-TESTING.md).
 *
 * Opus: the TOC byte (RFC 6716 §3.1: mode, bandwidth, frame size, stereo, frame count) stays
 * encrypted. Nothing on the path reads it (audio levels travel in an RTP header extension), and
 * in the clear it would tell an observer when the encoder switches between SILK (speech) and
 * CELT and at which bandwidth: a speech-activity side channel for no benefit.
 *
 * @module
 */
import { malformed } from './errors.js';
import { prefixMetadata } from './layout.js';
import type { FrameCipher } from './types.js';

/** `bytes` itself when it spans its whole buffer, else a copy that does (so `.buffer` is exactly the frame). */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/**
 * Seal a whole frame.
 *
 * @throws whatever `cipher.seal` throws (an SFrameError).
 * @example
 * ```ts
 * const wire = await protectWhole('opus', opusFrame, cipher);
 * ```
 */
export async function protectWhole(codec: 'vp9' | 'opus', frame: Uint8Array, cipher: FrameCipher): Promise<Uint8Array> {
  return owned(await cipher.seal(prefixMetadata(codec), frame));
}

/**
 * Open a whole-frame SFrame.
 *
 * @throws the cipher's SFrameError on any decryption failure.
 * @example
 * ```ts
 * const opusFrame = await unprotectWhole('opus', wire, cipher);
 * ```
 */
export async function unprotectWhole(codec: 'vp9' | 'opus', data: Uint8Array, cipher: FrameCipher): Promise<Uint8Array> {
  return owned(await cipher.open(prefixMetadata(codec), data));
}

/**
 * VP9 key frame from the uncompressed header (VP9 bitstream spec §6.2): frame_marker (2 bits,
 * `0b10`), profile (2 bits, plus a reserved zero bit for profile 3), show_existing_frame, frame_type
 * (0 = KEY_FRAME). A superframe starts with its first frame, so byte 0 decides.
 *
 * @throws FramingError `'malformed-frame'` without the frame marker.
 * @example
 * ```ts
 * vp9IsKeyFrame(Uint8Array.of(0x82, 0x49)); // true
 * ```
 */
export function vp9IsKeyFrame(frame: Uint8Array): boolean {
  const b = frame[0];
  if (b === undefined || b >> 6 !== 0b10) throw malformed('VP9 frame without its frame marker');
  const profile = ((b >> 5) & 1) | (((b >> 4) & 1) << 1);
  // Profile 3 has a reserved zero bit before show_existing_frame; both flags stay in byte 0.
  const showExistingBit = profile === 3 ? 2 : 3;
  if ((b >> showExistingBit) & 1) return false;
  return ((b >> (showExistingBit - 1)) & 1) === 0;
}
