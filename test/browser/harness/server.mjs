/**
 * Serves esbuild-bundled test pages from a Node HTTP server on 127.0.0.1 (a secure context, so
 * `crypto.subtle` and `getUserMedia` work), for sealrtc's real-browser tests and benchmarks.
 *
 * Each page is a TypeScript module bundled for the browser with the same inline-worker plugin the
 * package build uses, so `E2EEController.create()` gets its zero-config Blob worker exactly as in a
 * published bundle. `/sealrtc-worker.js` serves the standalone `sealrtc/worker` entry for the
 * app-created-Worker (strict CSP) path.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { inlineWorkerPlugin } from '../../../src/media/transform/inline-worker-plugin.mjs';

/** The sealrtc checkout, found upward from here (this file may be bundled into .tmp/bench/). */
function findRoot(from) {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'sealrtc') return dir;
  }
  throw new Error(`sealrtc checkout not found above ${from}`);
}
const root = findRoot(import.meta.dirname);

/**
 * Bundles one browser module (TS or JS) to a single ESM string.
 *
 * @param {string} entry absolute path or path relative to the repository root
 * @param {{ format?: 'esm' | 'iife' }} [opts]
 * @returns {Promise<string>}
 */
export async function bundleForBrowser(entry, opts = {}) {
  const result = await build({
    entryPoints: [resolve(root, entry)],
    bundle: true,
    write: false,
    platform: 'browser',
    format: opts.format ?? 'esm',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'warning',
    plugins: [inlineWorkerPlugin()],
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error(`esbuild produced nothing for ${entry}`);
  return out.text;
}

/**
 * Starts the page server. `pages` maps a page name to its entry module; the page is at
 * `${url}/${name}.html` and loads `${name}.js`. Bundling happens once, up front.
 *
 * @param {{ pages: Record<string, string>, headers?: Record<string, string> }} opts
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startPageServer(opts) {
  /** @type {Map<string, { type: string, body: string }>} */
  const files = new Map();
  for (const [name, entry] of Object.entries(opts.pages)) {
    files.set(`/${name}.js`, { type: 'text/javascript', body: await bundleForBrowser(entry) });
    files.set(`/${name}.html`, {
      type: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><title>${name}</title><body><script type="module" src="/${name}.js"></script></body>`,
    });
  }
  files.set('/sealrtc-worker.js', { type: 'text/javascript', body: await bundleForBrowser('src/worker.ts', { format: 'iife' }) });
  files.set('/favicon.ico', { type: 'image/x-icon', body: '' });

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = files.get(path);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store', ...(opts.headers ?? {}) });
    res.end(file.body);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok(undefined));
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('page server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
