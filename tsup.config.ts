import { defineConfig } from 'tsup';
import { inlineWorkerPlugin } from './src/media/transform/inline-worker-plugin.mjs';

/**
 * One build for every public entry. Each entry is a separate file so a consumer
 * importing `sealrtc/sframe` never loads the room or relay code.
 */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    sframe: 'src/sframe/index.ts',
    worker: 'src/worker.ts',
    testing: 'src/testing/index.ts',
    relay: 'src/relay/index.ts',
    'relay-cli': 'src/relay/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: true,
  treeshake: true,
  // Embeds the bundled sealrtc/worker into E2EEController (Blob URL worker, zero config).
  esbuildPlugins: [inlineWorkerPlugin()],
});
