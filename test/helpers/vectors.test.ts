import { describe, expect, it } from 'vitest';
import { hex, loadVectors, parseWithBigInts, toHex } from './vectors.js';

describe('vector loader', () => {
  it('keeps integers above 2^53 exact and leaves strings alone', () => {
    const v = parseWithBigInts<{ a: bigint; b: number; s: string; n: bigint[] }>(
      '{"a": 18446744073709551615, "b": 1.5, "s": "12 \\"34\\"", "n": [0, -7]}',
    );
    expect(v.a).toBe(18446744073709551615n);
    expect(v.b).toBe(1.5);
    expect(v.s).toBe('12 "34"');
    expect(v.n).toEqual([0n, -7n]);
  });
  it('reads the RFC 9605 header vectors with 93 values above 2^53', () => {
    const v = loadVectors<{ header: { kid: bigint; ctr: bigint; encoded: string }[] }>('rfc9605-test-vectors.json');
    expect(v.header).toHaveLength(289);
    const big = v.header.filter((h) => h.kid > 2n ** 53n - 1n || h.ctr > 2n ** 53n - 1n);
    expect(big).toHaveLength(93);
  });
  it('hex round-trips', () => {
    expect(toHex(hex('00ff10'))).toBe('00ff10');
  });
});
