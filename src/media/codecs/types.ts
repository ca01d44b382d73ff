/**
 * The shared vocabulary of codec framing: codec names, the cipher interface the transform worker
 * binds to an SFrame context, and per-frame information from the encoder.
 *
 * @module
 */

/** A codec whose frames sealrtc knows how to frame. Screen-share tracks use the same codecs. */
export type MediaCodec = 'vp8' | 'vp9' | 'h264' | 'av1' | 'opus';

/** Every {@link MediaCodec}, in a stable order (handy for tests and feature tables). */
export const MEDIA_CODECS: readonly MediaCodec[] = ['vp8', 'vp9', 'h264', 'av1', 'opus'];

/**
 * The SFrame operations framing needs; the worker binds them to an `SFrameContext` and a KID.
 * Framing never sees keys, KIDs or counters, only these two calls (RFC 9605 §4.4.3, §4.4.4).
 */
export interface FrameCipher {
  /** Encrypt `plaintext`, authenticating `metadata`; returns the whole SFrame (header ‖ ct ‖ tag). */
  seal(metadata: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Authenticate and decrypt a whole SFrame under `metadata`; rejects with an `SFrameError` on any failure. */
  open(metadata: Uint8Array, sframe: Uint8Array): Promise<Uint8Array>;
}

/** What the sender knows about a frame besides its bytes (from `RTCEncodedVideoFrame.type`). */
export interface FrameInfo {
  /** True for a key frame (`type === 'key'`); false for delta frames and audio. */
  keyFrame: boolean;
}
