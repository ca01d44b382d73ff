/**
 * `sealrtc/worker`: the transform worker entry.
 *
 * Loaded as a dedicated worker, it installs itself: it then serves every `E2EEController` message
 * and every `RTCRtpScriptTransform` pointed at it. `E2EEController.create()` normally starts it
 * from the copy bundled into sealrtc (a Blob URL, zero configuration). Apps whose Content Security
 * Policy forbids `blob:` workers build their own worker file around {@link installTransformWorker}
 * and pass the worker in:
 *
 * @example
 * ```ts
 * // e2ee-worker.ts
 * import { installTransformWorker } from 'sealrtc/worker';
 * installTransformWorker(self);
 * // app.ts
 * const worker = new Worker(new URL('./e2ee-worker.ts', import.meta.url), { type: 'module' });
 * const e2ee = await E2EEController.create({ worker });
 * ```
 *
 * @packageDocumentation
 */
import { installTransformWorker, type TransformWorkerScope } from './media/transform/install.js';

export { installTransformWorker } from './media/transform/install.js';
export type { TransformWorkerScope } from './media/transform/install.js';
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
