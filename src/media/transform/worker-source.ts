/**
 * The bundled `sealrtc/worker` script, as a string, or `undefined` in an unbundled build.
 *
 * This file is a placeholder: the package build (tsup) and sealrtc's browser test pages replace it
 * through `inline-worker-plugin.mjs` with the real self-contained worker bundle, which
 * `E2EEController.create()` starts from a Blob URL. Running from source (Node unit tests,
 * typechecking) sees `undefined`, and the controller then asks for an app-created worker.
 */
export const WORKER_SOURCE: string | undefined = undefined;
