/**
 * Wires a dedicated worker's global scope to a {@link TransformWorker}: controller messages in,
 * `rtctransform` events (RTCRtpScriptTransform) in, status messages out.
 *
 * @module
 */
import { isToWorker, isTransformOptions, type FromWorker } from './protocol.js';
import { TransformWorker, type TransformWorkerOptions } from './worker-core.js';

/** The parts of a dedicated worker's global scope the transform worker uses. */
export interface TransformWorkerScope {
  /** Post a message to the page (counters, KIDs, ids and error codes only). */
  postMessage(message: FromWorker): void;
  /** Listen for the page's messages and for `RTCRtpScriptTransform` attachments. */
  addEventListener(type: 'message' | 'rtctransform', listener: (event: Event) => void): void;
}

const installed = new WeakSet<object>();

/**
 * Turns a dedicated worker's global scope into sealrtc's transform worker: listens for the
 * controller's messages and for `rtctransform` events. The `sealrtc/worker` entry calls this on
 * load; call it yourself if you build your own worker file. Installing twice is a no-op.
 *
 * @param scope - the worker's `self`
 * @throws never (bad messages are reported to the main thread as `error` messages)
 * @example
 * ```ts
 * // my-e2ee-worker.ts, for an app with a strict CSP
 * import { installTransformWorker } from 'sealrtc/worker';
 * installTransformWorker(self);
 * ```
 */
export function installTransformWorker(scope: TransformWorkerScope): void {
  installWith(scope, {});
}

/**
 * @internal Installs with internal options (the benchmark's pass-through baseline). Deliberately
 * not exported from `sealrtc/worker`: no public switch can make the worker send clear frames.
 */
export function installWith(scope: TransformWorkerScope, opts: TransformWorkerOptions): void {
  if (installed.has(scope)) return;
  installed.add(scope);
  const worker = new TransformWorker((m) => scope.postMessage(m), opts);
  scope.addEventListener('message', (event) => {
    const data: unknown = (event as MessageEvent).data;
    if (isToWorker(data)) worker.handle(data);
  });
  scope.addEventListener('rtctransform', (event) => {
    const transformer = (event as Event & { transformer?: { options: unknown; readable: ReadableStream<unknown>; writable: WritableStream<unknown> } }).transformer;
    if (transformer && isTransformOptions(transformer.options)) worker.attach(transformer.options, transformer.readable, transformer.writable);
  });
}
