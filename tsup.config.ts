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
    // Forked by createRelayCluster from beside its own module (not an export of the package).
    'relay-worker': 'src/relay/worker-main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: true,
  treeshake: true,
  // import.meta.url in the CommonJS build too (createRelayCluster finds relay-worker.js by it).
  shims: true,
  // Embeds the bundled sealrtc/worker into E2EEController (Blob URL worker, zero config).
  esbuildPlugins: [inlineWorkerPlugin()],
});
