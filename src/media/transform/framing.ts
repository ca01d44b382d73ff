/**
 * The worker's view of codec framing: which codec a frame is, and how to seal/open it.
 *
 * Interim: until `src/media/codecs` lands, every codec is sealed as one whole-frame SFrame with
 * empty metadata (RFC 9605 §4.4 with no clear bytes). That is right for VP9 and Opus, decodable
 * but not SFU-friendly for VP8, and breaks H.264/AV1 packetization (BROWSER-TESTING.md). The worker
 * imports only from here, so switching to the codec-aware module is a one-file change.
 *
 * @module
 */

/** Codecs the worker knows how to frame. */
export type MediaCodec = 'vp8' | 'vp9' | 'h264' | 'av1' | 'opus';

/** The SFrame operations framing needs, bound by the worker to an `SFrameContext` and a KID. */
export interface FrameCipher {
  seal(metadata: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  open(metadata: Uint8Array, sframe: Uint8Array): Promise<Uint8Array>;
}

const EMPTY = new Uint8Array(0);
const BY_MIME: Readonly<Record<string, MediaCodec>> = {
  'video/vp8': 'vp8',
  'video/vp9': 'vp9',
  'video/h264': 'h264',
  'video/av1': 'av1',
  'audio/opus': 'opus',
};

/** `'video/VP8'` → `'vp8'` (case-insensitive); `undefined` for codecs sealrtc does not frame. */
export function codecFromMimeType(mime: string): MediaCodec | undefined {
  return BY_MIME[mime.toLowerCase()];
}

/** Seals one encoded frame (interim: whole frame). */
export function protectFrame(_codec: MediaCodec, frame: Uint8Array, _info: { keyFrame: boolean }, cipher: FrameCipher): Promise<Uint8Array> {
  return cipher.seal(EMPTY, frame);
}

/** Opens one protected frame (interim: whole frame); throws on any failure. */
export function unprotectFrame(_codec: MediaCodec, data: Uint8Array, cipher: FrameCipher): Promise<Uint8Array> {
  return cipher.open(EMPTY, data);
}
