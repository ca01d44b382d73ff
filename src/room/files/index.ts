/**
 * Encrypted files: libsodium secretstream chunks under a per-file key, whose id and key travel
 * in a chat-sealed file offer.
 *
 * @module
 */
export { FileTransferError } from './errors.js';
export type { FileTransferErrorCode } from './errors.js';
export { decodeFileOffer, encodeFileOffer } from './format.js';
export type { FileMeta } from './format.js';
export { DEFAULT_CHUNK_SIZE, DEFAULT_MAX_FILE_BYTES, createFileSecrets, encryptFile } from './sender.js';
export type { EncryptFileOptions, OutgoingFileMessage } from './sender.js';
export { FileReceiver } from './receiver.js';
export type { FileReceiverEvents, FileReceiverOptions } from './receiver.js';
