/** WebSocketSignaling lives in the browser entry: it must bundle for the browser with no Node code. */
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('WebSocketSignaling is browser-safe', () => {
  it('bundles for platform=browser without ws, ioredis or node:* modules', async () => {
    const r = await build({
      entryPoints: [resolve(import.meta.dirname, '../../src/signaling/websocket.ts')],
      bundle: true, write: false, platform: 'browser', format: 'esm', metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.some((p) => /node_modules\/(ws|ioredis)\//.test(p) || p.startsWith('node:'))).toBe(false);
    expect(inputs.some((p) => p.includes('src/relay/'))).toBe(false);
  });

  it('the same check fails for the relay (the test can fail)', async () => {
    await expect(build({
      entryPoints: [resolve(import.meta.dirname, '../../src/relay/index.ts')],
      bundle: true, write: false, platform: 'browser', format: 'esm', logLevel: 'silent',
    })).rejects.toThrow();
  });
});
