/**
 * Property tests (fast-check): open(seal(x)) = x over random suites, base keys, KIDs and CTRs
 * across the full 64-bit range (above 2^53 included), metadata and plaintexts; and the context
 * delivers every frame once, in any arrival order, never reusing a nonce.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CipherSuite, SFrameContext, decodeHeader, open, seal } from '../../src/sframe/index.js';
import { frameNonce } from '../../src/sframe/frame.js';
import { deriveKeyMaterial } from '../../src/sframe/index.js';
import { toHex } from '../helpers/vectors.js';

const U64_MAX = 2n ** 64n - 1n;
const suite = fc.constantFrom(...Object.values(CipherSuite));
// Bias towards the interesting edges: tiny values, the 2^53 boundary, the top of the range.
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: 2n ** 53n - 5n, max: 2n ** 53n + 5n }),
  fc.bigInt({ min: U64_MAX - 5n, max: U64_MAX }),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);

describe('SFrame properties', () => {
  it('open(seal(x)) = x', async () => {
    await fc.assert(
      fc.asyncProperty(
        suite,
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        u64,
        u64,
        fc.uint8Array({ maxLength: 32 }),
        fc.uint8Array({ maxLength: 2048 }),
        async (s, baseKey, kid, ctr, metadata, plaintext) => {
          const sframe = await seal({ suite: s, baseKey, kid, ctr, metadata, plaintext });
          const back = await open({ suite: s, baseKey, metadata, sframe });
          expect(back.kid).toBe(kid);
          expect(back.ctr).toBe(ctr);
          expect(toHex(back.plaintext)).toBe(toHex(plaintext));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a context delivers each frame exactly once in any arrival order (with duplicates)', async () => {
    await fc.assert(
      fc.asyncProperty(
        suite,
        fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        async (s, payloads, picks) => {
          const tx = new SFrameContext({ suite: s });
          const rx = new SFrameContext({ suite: s });
          const key = new Uint8Array(32).fill(s);
          await tx.addEncryptKey(9n, key);
          await rx.addDecryptKey(9n, key);
          const frames = await Promise.all(payloads.map((p) => tx.encrypt(9n, new Uint8Array(0), p)));
          const delivered = new Set<number>();
          for (const pick of picks) {
            const i = pick % frames.length;
            const r = await rx.decrypt(new Uint8Array(0), frames[i]!).catch((e: { code: string }) => e.code);
            if (delivered.has(i)) expect(r).toBe('replay');
            else {
              expect(typeof r).toBe('object');
              if (typeof r === 'object') expect(toHex(r.plaintext)).toBe(toHex(payloads[i]!));
              delivered.add(i);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('no (key, nonce) pair repeats across many concurrent encrypts', async () => {
    const ctx = new SFrameContext();
    const baseKey = new Uint8Array(32).fill(3);
    await ctx.addEncryptKey(77n, baseKey);
    const { salt } = await deriveKeyMaterial(CipherSuite.AES_256_GCM_SHA512_128, baseKey, 77n);
    const batches = await Promise.all(
      Array.from({ length: 10 }, () => Promise.all(Array.from({ length: 100 }, () => ctx.encrypt(77n, new Uint8Array(0), new Uint8Array(1))))),
    );
    const nonces = new Set(batches.flat().map((f) => toHex(frameNonce(salt, decodeHeader(f).ctr))));
    expect(nonces.size).toBe(1000);
  });
});
