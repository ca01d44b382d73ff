/**
 * The SFrame layer touches no global at import time and fails with a typed error where WebCrypto
 * is missing (an insecure browser context, an old runtime).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('WebCrypto probe', () => {
  it('imports without crypto and reports crypto-unavailable on first use', async () => {
    vi.resetModules();
    vi.stubGlobal('crypto', undefined);
    const m = await import('../../src/sframe/index.js');
    expect(m.encodeHeader(1n, 2n)).toEqual(new Uint8Array([0x12])); // pure parts still work
    const ctx = new m.SFrameContext();
    await expect(ctx.addEncryptKey(1n, new Uint8Array(32))).rejects.toMatchObject({ code: 'crypto-unavailable' });
    await expect(
      m.seal({ suite: 5, baseKey: new Uint8Array(32), kid: 1n, ctr: 0n, metadata: new Uint8Array(0), plaintext: new Uint8Array(1) }),
    ).rejects.toMatchObject({ code: 'crypto-unavailable' });
  });
});
