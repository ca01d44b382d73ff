/** Types for the build-time inline-worker esbuild plugin (see inline-worker-plugin.mjs). */
import type { Plugin } from 'esbuild';
export declare function bundleWorkerSource(opts?: { minify?: boolean; entry?: string }): Promise<{ code: string; inputs: string[] }>;
export declare function inlineWorkerPlugin(): Plugin;
