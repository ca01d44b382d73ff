/**
 * Baseline worker for the browser-media benchmark: the sealrtc transform worker in pass-through
 * mode — same streams, same per-frame plumbing and timing, a copy instead of SFrame. Never shipped.
 */
import { installTransformWorker, type TransformWorkerScope } from '../src/media/transform/worker-core.js';

installTransformWorker(globalThis as unknown as TransformWorkerScope, { passthrough: true });
