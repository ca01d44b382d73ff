import { defineConfig } from 'tsup';

/**
 * One build for every public entry. Each entry is a separate file so a consumer
 * importing `sealrtc/sframe` never loads the room or relay code.
 */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    sframe: 'src/sframe/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: true,
  treeshake: true,
});
