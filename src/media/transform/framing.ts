/**
 * The worker's view of codec framing: which codec a frame is, and how to seal/open it.
 *
 * A thin seam over the pure `media/codecs` module (VP8 header bytes clear, VP9/Opus whole frame,
 * H.264 per NAL unit with emulation prevention, AV1 per OBU), so the worker imports framing
 * from exactly one place.
 *
 * @module
 */
export { codecFromMimeType, protectFrame, unprotectFrame } from '../codecs/index.js';
export type { FrameCipher, MediaCodec } from '../codecs/index.js';
