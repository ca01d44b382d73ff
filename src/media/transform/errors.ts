/**
 * Errors of the media transform layer (the worker and `E2EEController`).
 *
 * @module
 */
import { SealError } from '../../errors.js';

/**
 * Failure codes of the transform layer.
 *
 * - `'e2ee-unsupported'`: the browser has no encoded-transform API or no `Worker` (fail closed).
 * - `'worker-unavailable'`: no worker could be started (unbundled source and no `worker` given,
 *   or the given worker never answered the handshake).
 * - `'worker-failed'`: the worker crashed or reported an internal failure.
 * - `'invalid-argument'`: a KID, key or participant id is malformed.
 * - `'attach-failed'`: the browser refused to attach a transform to a sender/receiver.
 * - `'kid-conflict'`: a receive KID is already registered for another participant.
 * - `'key-rejected'`: the worker could not import a key (wrong length for the suite, …).
 * - `'transform-bypassed'`: the browser sent a track's frames without passing them through the
 *   attached transform (Chromium 156 does so when `replaceTrack` ran on a remote-offer transceiver
 *   before the transform was attached); the controller stopped that sender.
 * - `'closed'`: the controller was closed.
 */
export type E2EEErrorCode =
  | 'e2ee-unsupported'
  | 'worker-unavailable'
  | 'worker-failed'
  | 'invalid-argument'
  | 'attach-failed'
  | 'kid-conflict'
  | 'key-rejected'
  | 'transform-bypassed'
  | 'closed';

/**
 * An error of the transform layer. Messages name what failed, never key or frame bytes.
 *
 * @example
 * ```ts
 * try { await E2EEController.create(); }
 * catch (e) { if (e instanceof E2EEError && e.code === 'e2ee-unsupported') showBrowserHint(); }
 * ```
 */
export class E2EEError extends SealError<E2EEErrorCode> {}
