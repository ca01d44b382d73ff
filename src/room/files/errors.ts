/**
 * The failure family of encrypted file transfer.
 *
 * Every cryptographic or ordering failure of a received file — a tampered, reordered,
 * duplicated, foreign or missing chunk — carries the one code `'integrity-failed'`: no oracle.
 * Messages never contain file names, contents or keys.
 *
 * @module
 */
import { SealError } from '../../errors.js';

/**
 * Codes a {@link FileTransferError} can carry.
 *
 * - `'too-large'` — the file exceeds the sender's or the receiver's `maxBytes`.
 * - `'integrity-failed'` — a chunk failed authentication, came out of order, twice, after the
 *   end, from another file, or the total size disagrees with the sealed header.
 * - `'truncated'` — the result was asked for before the final chunk arrived.
 * - `'malformed-message'` — bytes that are not a file message of this version.
 * - `'invalid-options'` — unusable key, file id, chunk size, name or limit.
 * - `'aborted'` — the sender's `AbortSignal` fired.
 */
export type FileTransferErrorCode = 'too-large' | 'integrity-failed' | 'truncated' | 'malformed-message' | 'invalid-options' | 'aborted';

/**
 * Error raised by file encryption and reassembly.
 *
 * @example
 * ```ts
 * try { receiver.push(bytes); } catch (e) {
 *   if (e instanceof FileTransferError && e.code === 'integrity-failed') discardTransfer();
 * }
 * ```
 */
export class FileTransferError extends SealError<FileTransferErrorCode> {}
