/**
 * The browser entry (`sealrtc`) and the pure subpaths must bundle for the browser without any
 * Node-only code: no `node:*` built-ins, no `ws`, no `ioredis`, nothing from `src/relay/`.
 * esbuild with `platform: 'browser'` fails on a Node built-in, and the metafile tells us every
 * module that made it into the bundle.
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const browserEntries = ['src/index.ts', 'src/sframe/index.ts', 'src/worker.ts'].filter((f) => existsSync(resolve(root, f)));

describe('browser bundles', () => {
  it.each(browserEntries)('%s bundles for the browser with no Node-only module', async (entry) => {
    const result = await build({
      entryPoints: [resolve(root, entry)],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const offenders = inputs.filter(
      (p) => p.startsWith('node:') || /node_modules\/(ws|ioredis)\//.test(p) || p.includes('src/relay/'),
    );
    expect(offenders).toEqual([]);
  });

  it('detects a Node-only import (the check itself can fail)', async () => {
    await expect(
      build({
        stdin: { contents: "import 'node:fs';", resolveDir: root },
        bundle: true,
        write: false,
        platform: 'browser',
        logLevel: 'silent',
      }),
    ).rejects.toThrow();
  });
});
