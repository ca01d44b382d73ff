/**
 * Header codec edge cases beyond the RFC vectors (RFC 9605 §4.3): truncation, non-minimal forms,
 * ranges, and a round-trip property over the whole 64-bit range.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeHeader, encodeHeader, headerSize } from '../../src/sframe/index.js';
import { hex } from '../helpers/vectors.js';

const U64_MAX = 2n ** 64n - 1n;
const minimalLen = (v: bigint): number => (v < 8n ? 0 : Math.ceil(v.toString(16).length / 2));

describe('header codec', () => {
  it('puts KID and CTR 0…7 in the config byte', () => {
    expect(encodeHeader(7n, 7n)).toEqual(new Uint8Array([0x77]));
    expect(encodeHeader(8n, 0n)).toEqual(new Uint8Array([0x80, 0x08]));
    expect(encodeHeader(0n, 8n)).toEqual(new Uint8Array([0x08, 0x08]));
    expect(encodeHeader(U64_MAX, U64_MAX)).toEqual(hex('ff' + 'ff'.repeat(16)));
  });

  it('headerSize agrees with encodeHeader (1…17 bytes)', () => {
    expect(headerSize(0n, 0n)).toBe(1);
    expect(headerSize(U64_MAX, U64_MAX)).toBe(17);
    expect(headerSize(7n, 65535n)).toBe(3);
  });

  it('rejects KID/CTR outside 0…2^64 − 1', () => {
    for (const [k, c] of [[-1n, 0n], [0n, -1n], [2n ** 64n, 0n], [0n, 2n ** 64n]] as const) {
      expect(() => encodeHeader(k, c)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    }
  });

  it('rejects an empty header', () => {
    expect(() => decodeHeader(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'malformed-header' }));
  });

  it('rejects every truncation of a multi-byte header', () => {
    const full = encodeHeader(0x0102030405060708n, 0x1122334455n);
    expect(full).toHaveLength(1 + 8 + 5);
    for (let n = 1; n < full.length; n++) {
      expect(() => decodeHeader(full.subarray(0, n)), `length ${n}`).toThrow(expect.objectContaining({ code: 'malformed-header' }));
    }
    expect(decodeHeader(full).size).toBe(14);
  });

  it('rejects non-minimal encodings', () => {
    for (const h of [
      '8007', //       KID 7 in an extension byte
      '0800', //       CTR 0 in an extension byte
      '900008', //     KID 8 with a leading zero byte
      '09000100', //   CTR 256 with a leading zero byte
      'f0' + '00' + 'ff'.repeat(7), // 8-byte KID whose first byte is zero (7 bytes would do)
    ]) {
      expect(() => decodeHeader(hex(h)), h).toThrow(expect.objectContaining({ code: 'malformed-header' }));
    }
  });

  it('round-trips any KID/CTR in minimal form (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), fc.bigInt({ min: 0n, max: U64_MAX }), (kid, ctr) => {
        const h = encodeHeader(kid, ctr);
        expect(h.length).toBe(1 + minimalLen(kid) + minimalLen(ctr));
        expect(decodeHeader(h)).toEqual({ kid, ctr, size: h.length });
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes any byte string to a header that re-encodes to the same bytes, or rejects it (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 20 }), (bytes) => {
        let h;
        try {
          h = decodeHeader(bytes);
        } catch (e) {
          expect(e).toMatchObject({ code: 'malformed-header' });
          return;
        }
        expect(encodeHeader(h.kid, h.ctr)).toEqual(bytes.subarray(0, h.size));
      }),
      { numRuns: 5000 },
    );
  });
});
