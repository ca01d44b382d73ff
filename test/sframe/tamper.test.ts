/**
 * Integrity: every single-bit flip of header, ciphertext, tag and metadata is rejected, for every
 * suite; wrong key, wrong suite and truncation are rejected; every authentication failure is the
 * same error. Plus the size extremes: empty and 1 MB plaintexts.
 */
import { describe, expect, it } from 'vitest';
import { CipherSuite, SFrameContext, SFrameError, open, seal, suiteParams } from '../../src/sframe/index.js';

const baseKey = new Uint8Array(32).map((_, i) => i * 7 + 1);
const metadata = new Uint8Array([0x90, 0xe0, 0x12, 0x34]);
const plaintext = new Uint8Array(40).map((_, i) => i);
const kid = 291n;
const ctr = 17767n; // 2-byte KID, 2-byte CTR: a 5-byte header
const suites = Object.entries(CipherSuite);

function flip(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

async function rejection(p: Promise<unknown>): Promise<SFrameError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SFrameError);
    return e as SFrameError;
  }
  throw new Error('expected a rejection');
}

describe.each(suites)('tampering with %s', (_name, suite) => {
  it('rejects every single-bit flip of header, ciphertext, tag and metadata', async () => {
    const sframe = await seal({ suite, baseKey, kid, ctr, metadata, plaintext });
    const nt = suiteParams(suite).nt;
    expect(sframe.length).toBe(5 + plaintext.length + nt);
    expect((await open({ suite, baseKey, metadata, sframe })).plaintext).toEqual(plaintext);

    const codes = new Map<string, number>();
    for (let bit = 0; bit < sframe.length * 8; bit++) {
      const e = await rejection(open({ suite, baseKey, metadata, sframe: flip(sframe, bit) }));
      const region = bit < 40 ? 'header' : 'body';
      // A header flip may change KID (other key → auth fails), CTR (other nonce) or the form.
      if (region === 'body') expect(e.code, `bit ${bit}`).toBe('auth-failed');
      else expect(['auth-failed', 'malformed-header']).toContain(e.code);
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
    }
    for (let bit = 0; bit < metadata.length * 8; bit++) {
      const e = await rejection(open({ suite, baseKey, metadata: flip(metadata, bit), sframe }));
      expect(e.code).toBe('auth-failed');
    }
    expect(codes.get('auth-failed')).toBeGreaterThan(sframe.length * 8 - 40);
  });

  it('rejects with a context too (and header flips that change the KID are unknown keys)', async () => {
    const tx = new SFrameContext({ suite });
    const rx = new SFrameContext({ suite });
    await tx.addEncryptKey(kid, baseKey);
    await rx.addDecryptKey(kid, baseKey);
    const sframe = await tx.encrypt(kid, metadata, plaintext);
    for (let bit = 0; bit < sframe.length * 8; bit++) {
      const e = await rejection(rx.decrypt(metadata, flip(sframe, bit)));
      expect(['auth-failed', 'malformed-header', 'unknown-key']).toContain(e.code);
    }
    expect((await rx.decrypt(metadata, sframe)).plaintext).toEqual(plaintext); // untouched one passes
  });

  it('rejects a wrong key, missing metadata and every truncation', async () => {
    const sframe = await seal({ suite, baseKey, kid, ctr, metadata, plaintext });
    const other = baseKey.slice();
    other[0]! ^= 0x80;
    expect((await rejection(open({ suite, baseKey: other, metadata, sframe }))).code).toBe('auth-failed');
    expect((await rejection(open({ suite, baseKey, metadata: new Uint8Array(0), sframe }))).code).toBe('auth-failed');
    for (let n = 0; n < sframe.length; n++) {
      const e = await rejection(open({ suite, baseKey, metadata, sframe: sframe.subarray(0, n) }));
      expect(e.code, `length ${n}`).toBe(n < 5 ? 'malformed-header' : 'auth-failed');
    }
    const longer = new Uint8Array(sframe.length + 1);
    longer.set(sframe);
    expect((await rejection(open({ suite, baseKey, metadata, sframe: longer }))).code).toBe('auth-failed');
  });

  it('round-trips an empty plaintext and a 1 MB one', async () => {
    for (const pt of [new Uint8Array(0), new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff)]) {
      const sframe = await seal({ suite, baseKey, kid: 1n, ctr: 2n, metadata, plaintext: pt });
      expect(sframe.length).toBe(1 + pt.length + suiteParams(suite).nt);
      const back = await open({ suite, baseKey, metadata, sframe });
      expect(back.plaintext.length).toBe(pt.length);
      expect(Buffer.from(back.plaintext).equals(Buffer.from(pt))).toBe(true);
      expect((await rejection(open({ suite, baseKey, metadata, sframe: flip(sframe, sframe.length * 4) }))).code).toBe('auth-failed');
    }
  });
});

describe('cross-suite and error shape', () => {
  it('a frame sealed under one suite never opens under another', async () => {
    for (const [, a] of suites) {
      const sframe = await seal({ suite: a, baseKey, kid, ctr, metadata, plaintext });
      for (const [, b] of suites) {
        if (a === b) continue;
        expect((await rejection(open({ suite: b, baseKey, metadata, sframe }))).code).toBe('auth-failed');
      }
    }
  });

  it('rejects unregistered suites', async () => {
    for (const suite of [0, 6, 0xf000, -1]) {
      expect((await rejection(seal({ suite, baseKey, kid, ctr, metadata, plaintext }))).code).toBe('unsupported-suite');
      expect((await rejection(open({ suite, baseKey, metadata, sframe: new Uint8Array(30) }))).code).toBe('unsupported-suite');
    }
  });

  it('every authentication failure looks the same from outside, and leaks no bytes', async () => {
    const seen = new Set<string>();
    for (const [, suite] of suites) {
      const sframe = await seal({ suite, baseKey, kid, ctr, metadata, plaintext });
      const wrongKey = baseKey.map((b) => b ^ 1);
      const cases = [
        () => open({ suite, baseKey: wrongKey, metadata, sframe }),
        () => open({ suite, baseKey, metadata, sframe: flip(sframe, sframe.length * 8 - 1) }),
        () => open({ suite, baseKey, metadata, sframe: sframe.subarray(0, 6) }),
        () => open({ suite, baseKey, metadata: plaintext, sframe }),
      ];
      for (const run of cases) {
        const e = await rejection(run());
        expect(e.code).toBe('auth-failed');
        expect(e.cause).toBeUndefined();
        seen.add(`${e.name}|${e.message}`);
      }
    }
    expect([...seen]).toEqual(['SFrameError|SFrame authentication failed']);
  });

  it('leaves the caller\'s base key untouched and rejects short ones', async () => {
    const k = baseKey.slice();
    await seal({ suite: 5, baseKey: k, kid, ctr, metadata, plaintext });
    expect(k).toEqual(baseKey);
    expect((await rejection(seal({ suite: 5, baseKey: k.subarray(0, 15), kid, ctr, metadata, plaintext }))).code).toBe('invalid-argument');
    expect((await rejection(seal({ suite: 5, baseKey: k, kid, ctr: 2n ** 64n, metadata, plaintext }))).code).toBe('invalid-argument');
  });
});
