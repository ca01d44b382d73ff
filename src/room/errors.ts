/**
 * The failure family of the Room API: joining, the peer mesh and local media.
 *
 * Codes are stable strings; apps branch on `code`. Messages name what failed,
 * never key material, SDP, ICE addresses or media bytes.
 *
 * @module
 */
import { SealError } from '../errors.js';

/**
 * Codes a {@link RoomError} can carry.
 *
 * - `'e2ee-unsupported'` — the browser lacks encoded transforms and E2EE is required.
 * - `'invalid-options'` — `joinRoom` was called with unusable options.
 * - `'room-closed'` — the room was left; the operation is no longer possible.
 * - `'peer-failed'` — the WebRTC connection to one participant failed (the room goes on).
 * - `'bad-signal'` — an authenticated peer sent WebRTC signal data the room could not use.
 * - `'media-failed'` — adding, replacing or removing a local track failed for one participant.
 */
export type RoomErrorCode =
  | 'e2ee-unsupported'
  | 'invalid-options'
  | 'room-closed'
  | 'peer-failed'
  | 'bad-signal'
  | 'media-failed';

/**
 * Error raised or emitted by a {@link Room}.
 *
 * @example
 * ```ts
 * try { await joinRoom(opts); } catch (e) {
 *   if (e instanceof RoomError && e.code === 'e2ee-unsupported') showBrowserHint();
 * }
 * ```
 */
export class RoomError extends SealError<RoomErrorCode> {
  /** Participant the failure concerns, when there is one. */
  readonly participantId: string | undefined;

  constructor(code: RoomErrorCode, message: string, options?: { cause?: unknown; participantId?: string }) {
    super(code, message, options);
    this.participantId = options?.participantId;
  }
}
