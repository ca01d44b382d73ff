/**
 * The one error family of codec framing: a frame whose structure cannot be framed or unframed.
 *
 * Decryption failures are not wrapped: they surface unchanged as the cipher's own `SFrameError`
 * (`'auth-failed'`, `'unknown-key'`, `'replay'`, …), so every authentication failure keeps the one
 * opaque code the SFrame layer gives it. Structure errors only describe what anyone on the path
 * can already see (the clear bytes), so naming them reveals nothing.
 *
 * @module
 */
import { SealError } from '../../errors.js';

/**
 * Failure codes of codec framing.
 * - `'malformed-frame'`: the bytes are not a well-formed frame of the codec (bad NAL/OBU structure,
 *   a truncated header, an escaping violation, a key-frame flag that contradicts the bitstream).
 * - `'unsupported-frame'`: a well-formed frame sealrtc refuses to send because it cannot protect it
 *   without leaking media (no unit to encrypt, AV1 tile-list OBUs).
 * - `'unsupported-codec'`: the codec name is not one of {@link MediaCodec}.
 */
export type FramingErrorCode = 'malformed-frame' | 'unsupported-frame' | 'unsupported-codec';

/**
 * Thrown (as a rejected promise) by `protectFrame`, `unprotectFrame` and `isKeyFrame` when the frame's
 * structure is wrong. Messages name the structural problem only, never frame bytes.
 *
 * @example
 * ```ts
 * try { await unprotectFrame('av1', data, cipher); }
 * catch (e) { if (e instanceof FramingError && e.code === 'malformed-frame') stats.malformed++; }
 * ```
 */
export class FramingError extends SealError<FramingErrorCode> {}

/** @internal Shorthand for the most common failure. */
export function malformed(what: string): FramingError {
  return new FramingError('malformed-frame', what);
}
