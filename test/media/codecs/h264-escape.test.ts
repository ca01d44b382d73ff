import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../src/errors.js';
import { escapeEmulation, escapePlan, unescapeEmulation } from '../../../src/media/codecs/h264-escape.js';
import { zeroHeavyBytes } from './helpers.js';

/** Byte-at-a-time reference escaper (H.264 §7.4.1), to check the skipping one against. */
function referenceEscape(src: Uint8Array, zerosBefore: number): number[] {
  const out: number[] = [];
  let zeros = zerosBefore;
  for (const b of src) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out;
}

/** True when `00 00 00|01|02` occurs in `prefixZeros` zero bytes followed by `bytes`. */
function hasStartCodeEmulation(bytes: Uint8Array, prefixZeros = 0): boolean {
  let zeros = prefixZeros;
  for (const b of bytes) {
    if (zeros >= 2 && b <= 2) return true;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return false;
}

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof SealError ? e.code : 'untyped';
  }
};

describe('H.264 emulation prevention', () => {
  it('escapes the four patterns of H.264 §7.4.1', () => {
    expect([...escapeEmulation(Uint8Array.of(0, 0, 0))]).toEqual([0, 0, 3, 0]);
    expect([...escapeEmulation(Uint8Array.of(0, 0, 1))]).toEqual([0, 0, 3, 1]);
    expect([...escapeEmulation(Uint8Array.of(0, 0, 2))]).toEqual([0, 0, 3, 2]);
    expect([...escapeEmulation(Uint8Array.of(0, 0, 3))]).toEqual([0, 0, 3, 3]);
    expect([...escapeEmulation(Uint8Array.of(0, 0, 4))]).toEqual([0, 0, 4]);
    expect([...escapeEmulation(Uint8Array.of(0, 0))]).toEqual([0, 0]);
    expect([...escapeEmulation(Uint8Array.of(0, 0, 0, 0, 0))]).toEqual([0, 0, 3, 0, 0, 3, 0]);
  });

  it('carries the zero run of the clear bytes in front across the boundary', () => {
    expect([...escapeEmulation(Uint8Array.of(1, 5), 2)]).toEqual([3, 1, 5]);
    expect([...escapeEmulation(Uint8Array.of(0, 1), 1)]).toEqual([0, 3, 1]);
    expect([...escapeEmulation(Uint8Array.of(0, 1), 0)]).toEqual([0, 1]);
    expect([...unescapeEmulation(Uint8Array.of(3, 1, 5), 2)]).toEqual([1, 5]);
  });

  it('returns the input itself when nothing needs unescaping', () => {
    const src = Uint8Array.of(1, 0, 0, 4, 0, 9);
    expect(unescapeEmulation(src)).toBe(src);
  });

  it('refuses start-code emulation and misplaced emulation prevention bytes', () => {
    expect(code(() => unescapeEmulation(Uint8Array.of(7, 0, 0, 1, 7)))).toBe('malformed-frame');
    expect(code(() => unescapeEmulation(Uint8Array.of(0, 0, 0)))).toBe('malformed-frame');
    expect(code(() => unescapeEmulation(Uint8Array.of(0, 0, 2)))).toBe('malformed-frame');
    expect(code(() => unescapeEmulation(Uint8Array.of(0, 0, 3)))).toBe('malformed-frame'); // nothing follows
    expect(code(() => unescapeEmulation(Uint8Array.of(0, 0, 3, 9)))).toBe('malformed-frame'); // 0x09 needs no escape
    expect(code(() => unescapeEmulation(Uint8Array.of(1), 2))).toBe('malformed-frame');
  });

  it('matches the byte-at-a-time reference and never emits a start code (property)', () => {
    fc.assert(
      fc.property(zeroHeavyBytes(600), fc.integer({ min: 0, max: 2 }), (src, z) => {
        const esc = escapeEmulation(src, z);
        expect([...esc]).toEqual(referenceEscape(src, z));
        expect(src.length + escapePlan(src, z).length).toBe(esc.length);
        expect(hasStartCodeEmulation(esc, z)).toBe(false);
        expect([...unescapeEmulation(esc, z)]).toEqual([...src]);
      }),
      { numRuns: 500 },
    );
  });

  it('escapes large random (ciphertext-like) buffers exactly like the reference', () => {
    const big = crypto.getRandomValues(new Uint8Array(50_000));
    big.fill(0, 1000, 1100); // a long zero run too
    const esc = escapeEmulation(big);
    expect([...esc]).toEqual(referenceEscape(big, 0));
    expect([...unescapeEmulation(esc)]).toEqual([...big]);
  });

  it('unescape either inverts escaping or rejects with a typed error (property)', () => {
    fc.assert(
      fc.property(zeroHeavyBytes(200), fc.integer({ min: 0, max: 2 }), (src, z) => {
        let out: Uint8Array;
        try {
          out = unescapeEmulation(src, z);
        } catch (e) {
          expect(e).toBeInstanceOf(SealError);
          expect((e as SealError).code).toBe('malformed-frame');
          return;
        }
        expect([...escapeEmulation(out, z)]).toEqual([...src]);
      }),
      { numRuns: 500 },
    );
  });
});
