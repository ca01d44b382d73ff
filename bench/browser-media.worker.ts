/**
 * Baseline worker for the browser-media benchmark: the sealrtc transform worker in pass-through
 * mode — same streams, same per-frame plumbing and timing, a copy instead of SFrame. Never shipped
 * (the pass-through switch is internal, not part of `sealrtc/worker`).
 */
import { installWith, type TransformWorkerScope } from '../src/media/transform/install.js';

installWith(globalThis as unknown as TransformWorkerScope, { passthrough: true });
