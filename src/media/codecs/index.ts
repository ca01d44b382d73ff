/**
 * Codec-aware SFrame framing (pure: bytes in, bytes out; no DOM or RTC types).
 *
 * Each encoded frame becomes exactly one SFrame (RFC 9605). What packetizers and SFUs need stays
 * clear and is authenticated as SFrame metadata (RFC 9605 §4.4.3); everything else is encrypted:
 *
 * | codec | clear | encrypted |
 * |---|---|---|
 * | VP8  | 10 bytes of a key frame, 3 of an interframe (RFC 6386 §9.1) | the rest |
 * | VP9  | nothing | the whole frame |
 * | H.264| SPS/PPS/SEI/AUD…, each slice's header byte + first slice-header fields | slice data, escaped |
 * | AV1  | temporal delimiters, sequence headers, every OBU header | other OBU payloads, sizes rewritten |
 * | Opus | nothing (TOC byte included) | the whole frame |
 *
 * `docs/framing.md` draws each wire format and explains every choice.
 *
 * @module
 */
import { av1IsKeyFrame, protectAv1, unprotectAv1 } from './av1.js';
import { FramingError } from './errors.js';
import { h264IsKeyFrame, protectH264, unprotectH264 } from './h264.js';
import type { FrameCipher, FrameInfo, MediaCodec } from './types.js';
import { protectVp8, unprotectVp8, vp8IsKeyFrame } from './vp8.js';
import { protectWhole, unprotectWhole, vp9IsKeyFrame } from './whole.js';

export { FramingError, type FramingErrorCode } from './errors.js';
export { FRAMING_VERSION } from './layout.js';
export { MEDIA_CODECS, type FrameCipher, type FrameInfo, type MediaCodec } from './types.js';

function unsupported(codec: unknown): FramingError {
  return new FramingError('unsupported-codec', `no framing for codec ${JSON.stringify(String(codec)).slice(0, 40)}`);
}

/**
 * Encrypt one encoded frame for the wire: clear bytes stay where packetizers expect them, the rest
 * becomes one SFrame sealed with `cipher`. The input is never modified; the result is a new array
 * that spans its whole `ArrayBuffer`, so `frame.data = result.buffer` is exact.
 *
 * @param info `keyFrame` as the encoder reports it; for VP8 it must agree with the frame tag.
 * @throws FramingError `'malformed-frame'` (not a well-formed frame of `codec`), `'unsupported-frame'`
 *   (nothing to encrypt, AV1 tile lists), `'unsupported-codec'`; whatever `cipher.seal` throws
 *   (e.g. SFrameError `'counter-exhausted'`, `'unknown-key'`). All as rejected promises.
 * @example
 * ```ts
 * const cipher = { seal: (m, p) => ctx.encrypt(kid, m, p), open: async (m, s) => (await ctx.decrypt(m, s)).plaintext };
 * frame.data = (await protectFrame('vp8', new Uint8Array(frame.data), { keyFrame: frame.type === 'key' }, cipher)).buffer;
 * ```
 */
export async function protectFrame(codec: MediaCodec, frame: Uint8Array, info: FrameInfo, cipher: FrameCipher): Promise<Uint8Array> {
  switch (codec) {
    case 'vp8':
      return protectVp8(frame, info, cipher);
    case 'vp9':
    case 'opus':
      return protectWhole(codec, frame, cipher);
    case 'h264':
      return protectH264(frame, cipher);
    case 'av1':
      return protectAv1(frame, cipher);
    default:
      throw unsupported(codec satisfies never);
  }
}

/**
 * Decrypt one protected frame back to the encoded frame. Resolves only with a whole, authenticated
 * frame; any structural or cryptographic failure rejects, never yielding partial output. The result
 * spans its whole `ArrayBuffer`.
 *
 * @throws FramingError `'malformed-frame'` (bad structure), `'unsupported-codec'`; the cipher's
 *   SFrameError unchanged on any decryption failure (`'auth-failed'`, `'unknown-key'`, `'replay'`, …).
 * @example
 * ```ts
 * try { frame.data = (await unprotectFrame('h264', new Uint8Array(frame.data), cipher)).buffer; controller.enqueue(frame); }
 * catch { stats.failed++; } // dropped, never passed on
 * ```
 */
export async function unprotectFrame(codec: MediaCodec, data: Uint8Array, cipher: FrameCipher): Promise<Uint8Array> {
  switch (codec) {
    case 'vp8':
      return unprotectVp8(data, cipher);
    case 'vp9':
    case 'opus':
      return unprotectWhole(codec, data, cipher);
    case 'h264':
      return unprotectH264(data, cipher);
    case 'av1':
      return unprotectAv1(data, cipher);
    default:
      throw unsupported(codec satisfies never);
  }
}

const BY_MIME: ReadonlyMap<string, MediaCodec> = new Map([
  ['video/vp8', 'vp8'],
  ['video/vp9', 'vp9'],
  ['video/h264', 'h264'],
  ['video/av1', 'av1'],
  ['audio/opus', 'opus'],
]);

/**
 * The codec of a MIME type as WebRTC reports it (`RTCRtpCodec.mimeType`, encoded-frame metadata);
 * case-insensitive, parameters after `;` ignored. `undefined` for anything else (RTX, RED, FEC, …).
 *
 * @example
 * ```ts
 * codecFromMimeType('video/VP8'); // 'vp8'
 * codecFromMimeType('video/rtx'); // undefined
 * ```
 */
export function codecFromMimeType(mime: string): MediaCodec | undefined {
  const base = mime.split(';', 1)[0]!.trim().toLowerCase();
  return BY_MIME.get(base);
}

/**
 * Whether an unprotected frame is a key frame, read from the bitstream: VP8 frame tag, VP9
 * uncompressed header, an H.264 IDR slice, the AV1 frame header. `undefined` for Opus (audio has
 * no key frames). Use it on the sender's input or the receiver's output, not on protected bytes.
 *
 * @throws FramingError `'malformed-frame'` when the bitstream cannot be read, `'unsupported-codec'`.
 * @example
 * ```ts
 * isKeyFrame('h264', annexBFrame); // true when it holds an IDR slice
 * ```
 */
export function isKeyFrame(codec: MediaCodec, frame: Uint8Array): boolean | undefined {
  switch (codec) {
    case 'vp8':
      return vp8IsKeyFrame(frame);
    case 'vp9':
      return vp9IsKeyFrame(frame);
    case 'h264':
      return h264IsKeyFrame(frame);
    case 'av1':
      return av1IsKeyFrame(frame);
    case 'opus':
      return undefined;
    default:
      throw unsupported(codec satisfies never);
  }
}
