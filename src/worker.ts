/**
 * `sealrtc/worker`: the transform worker entry.
 *
 * Loaded as a dedicated worker, it installs itself: it then serves every `E2EEController` message
 * and every `RTCRtpScriptTransform` pointed at it. `E2EEController.create()` normally starts it
 * from the copy bundled into sealrtc (a Blob URL, zero configuration). Apps whose Content Security
 * Policy forbids `blob:` workers point their own worker at this entry and pass it in:
 *
 * @example
 * ```ts
 * // Vite: the `?worker` suffix bundles the entry as a worker served from the app's origin.
 * import SealWorker from 'sealrtc/worker?worker';
 * const e2ee = await E2EEController.create({ worker: new SealWorker() });
 * ```
 *
 * @packageDocumentation
 */
import { installTransformWorker, type TransformWorkerScope } from './media/transform/worker-core.js';

export { installTransformWorker } from './media/transform/worker-core.js';
export type { TransformWorkerScope } from './media/transform/worker-core.js';
export type { E2EEParticipantStats, FromWorker, ToWorker, TransformOptions } from './media/transform/protocol.js';

/** True inside a dedicated worker (has `importScripts`, no `document`). */
function dedicatedWorkerScope(): TransformWorkerScope | undefined {
  const g = globalThis as { importScripts?: unknown; document?: unknown; postMessage?: unknown; addEventListener?: unknown };
  if (typeof g.importScripts !== 'function' || g.document !== undefined) return undefined;
  if (typeof g.postMessage !== 'function' || typeof g.addEventListener !== 'function') return undefined;
  return globalThis as unknown as TransformWorkerScope;
}

// The one intended side effect of this entry: loaded as a worker, it becomes the transform worker.
const scope = dedicatedWorkerScope();
if (scope) installTransformWorker(scope);
