import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callCode, formatSafetyNumber, safetyNumber, shortAuthString } from '../../src/keys/index.js';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const party = fc.record({ idk: key, eph: key });

describe('verification strings', () => {
  it('safety number and SAS are symmetric and well-formed (property)', async () => {
    await fc.assert(
      fc.asyncProperty(party, party, async (a, b) => {
        const n = await safetyNumber(a, b);
        expect(n).toMatch(/^\d{60}$/);
        expect(await safetyNumber(b, a)).toBe(n);
        const s = await shortAuthString('r', a, b);
        expect(s.digits).toMatch(/^\d{6}$/);
        expect(s.emoji).toHaveLength(5);
        expect(await shortAuthString('r', b, a)).toEqual(s);
      }),
      { numRuns: 50 },
    );
  });

  it('changes when any covered key changes (identity or X25519, either side)', async () => {
    await fc.assert(
      fc.asyncProperty(party, party, fc.nat({ max: 3 }), fc.nat({ max: 31 }), async (a, b, which, byte) => {
        const n = await safetyNumber(a, b);
        const s = (await shortAuthString('r', a, b)).digits;
        const a2 = { idk: new Uint8Array(a.idk), eph: new Uint8Array(a.eph) };
        const b2 = { idk: new Uint8Array(b.idk), eph: new Uint8Array(b.eph) };
        const target = [a2.idk, a2.eph, b2.idk, b2.eph][which]!;
        target[byte] = target[byte]! ^ 0x01;
        expect(await safetyNumber(a2, b2)).not.toBe(n);
        // 6 digits collide with probability 1e-6 per change; fast-check would need ~10^6 runs to hit one.
        expect((await shortAuthString('r', a2, b2)).digits).not.toBe(s);
      }),
      { numRuns: 50 },
    );
  });

  it('call code: order-independent, and changes with membership or keys', async () => {
    const m = (id: string, x: number) => ({ id, idk: new Uint8Array(32).fill(x), eph: new Uint8Array(32).fill(x + 100) });
    const [a, b, c] = [m('a', 1), m('b', 2), m('c', 3)];
    const code = await callCode('r', [a, b, c]);
    expect(code).toMatch(/^\d{4}-\d{4}-\d{4}$/);
    expect(await callCode('r', [c, a, b])).toBe(code);
    expect(await callCode('r', [a, b])).not.toBe(code);
    expect(await callCode('r', [a, b, c, m('d', 4)])).not.toBe(code);
    expect(await callCode('r', [a, b, { ...c, eph: new Uint8Array(32) }])).not.toBe(code);
    expect(await callCode('r2', [a, b, c])).not.toBe(code);
  });

  it('formats safety numbers in blocks of five', () => {
    expect(formatSafetyNumber('0123456789' + '0'.repeat(50))).toMatch(/^01234 56789 00000( \d{5}){9}$/);
  });
});
