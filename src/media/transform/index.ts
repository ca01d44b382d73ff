/**
 * The media transform layer: `E2EEController` (main thread) and the types of its worker protocol.
 * The worker itself is the separate `sealrtc/worker` entry (`src/worker.ts`).
 *
 * @module
 */
export { E2EEController } from './controller.js';
export type { E2EEControllerEvents, E2EEControllerOptions } from './controller.js';
export { E2EEError } from './errors.js';
export type { E2EEErrorCode } from './errors.js';
export type { E2EEParticipantStats, ReceiveState } from './protocol.js';
