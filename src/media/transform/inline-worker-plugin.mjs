/**
 * Build-time helper (Node only, never shipped): an esbuild plugin that makes sealrtc's transform
 * worker zero-config.
 *
 * `worker-source.ts` is a placeholder exporting `WORKER_SOURCE = undefined`. When a bundle that
 * contains it is built through this plugin (the package build in `tsup.config.ts`, the browser test
 * pages, the browser benchmark), the placeholder is replaced by the `sealrtc/worker` entry bundled
 * into one self-contained classic-worker script, as a string. `E2EEController.create()` then starts
 * the worker from a Blob URL, so an app bundled by Vite/webpack needs no worker configuration.
 */
import { build } from 'esbuild';
import { dirname, resolve } from 'node:path';

/** `src/worker.ts`, found from this transform directory (tsup inlines this file elsewhere). */
const entryFrom = (transformDir) => resolve(transformDir, '../../worker.ts');

/**
 * Bundles the `sealrtc/worker` entry into one IIFE string.
 *
 * @param {{ minify?: boolean, entry?: string }} [opts] `entry` defaults to `src/worker.ts`
 * @returns {Promise<{ code: string, inputs: string[] }>}
 */
export async function bundleWorkerSource(opts = {}) {
  const result = await build({
    entryPoints: [opts.entry ?? entryFrom(import.meta.dirname)],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: opts.minify ?? true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error('sealrtc: esbuild produced no worker bundle');
  return { code: out.text, inputs: Object.keys(result.metafile.inputs).map((p) => resolve(p)) };
}

/**
 * The esbuild plugin (also accepted by tsup's `esbuildPlugins`).
 *
 * @returns {import('esbuild').Plugin}
 */
export function inlineWorkerPlugin() {
  return {
    name: 'sealrtc-inline-worker',
    setup(b) {
      b.onLoad({ filter: /[\\/]media[\\/]transform[\\/]worker-source\.ts$/ }, async (args) => {
        const { code, inputs } = await bundleWorkerSource({ entry: entryFrom(dirname(args.path)) });
        return {
          contents:
            '/** Generated at build time by inline-worker-plugin.mjs: the sealrtc/worker bundle. */\n' +
            `export const WORKER_SOURCE: string | undefined = ${JSON.stringify(code)};\n`,
          loader: 'ts',
          watchFiles: inputs,
        };
      });
    },
  };
}
