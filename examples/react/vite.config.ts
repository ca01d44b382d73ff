/** Vite config of the React example: only the automatic JSX runtime (no React plugin needed to build). */
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
});
