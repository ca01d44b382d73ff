import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../src/errors.js';
import { leb128Size, parseObus, writeLeb128 } from '../../../src/media/codecs/av1-obu.js';
import { isKeyFrame, protectFrame, unprotectFrame } from '../../../src/media/codecs/index.js';
import { av1Frame, concat, leb128, makeTestCipher, obus, type ObuSpec } from './helpers.js';

const TD: ObuSpec = { type: 2, ext: undefined, payload: new Uint8Array(0) };
const SH: ObuSpec = { type: 1, ext: undefined, payload: Uint8Array.of(0x00, 0x00, 0x00, 0x0a, 0x0b, 0xf0) };
const frameObu = (payload: Uint8Array, ext?: number): ObuSpec => ({ type: 6, ext, payload });

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof SealError ? e.code : `untyped: ${String(e)}`;
  }
  return 'resolved';
}

/** What libwebrtc's packetizer + depacketizer make of a temporal unit: TD/padding dropped, sizes everywhere. */
function throughRtp(frame: Uint8Array): Uint8Array {
  const specs = parseObus(frame)
    .filter((o) => o.type !== 2 && o.type !== 15)
    .map((o) => ({ type: o.type, ext: o.extension, payload: frame.subarray(o.payloadStart, o.payloadEnd) }));
  // keep the reserved bit and everything else of the header: rebuild from the original header
  return concat(
    ...parseObus(frame)
      .filter((o) => o.type !== 2 && o.type !== 15)
      .map((o, i) => {
        const p = specs[i]!.payload;
        return concat([o.header | 0x02], o.extension === undefined ? [] : [o.extension], leb128(p.length), p);
      }),
  );
}

describe('AV1 OBU parsing', () => {
  it('writes and sizes minimal leb128', () => {
    for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 32 - 1]) {
      const buf = new Uint8Array(8);
      expect(writeLeb128(v, buf, 0)).toBe(leb128Size(v));
      expect([...buf.subarray(0, leb128Size(v))]).toEqual(leb128(v));
    }
  });

  it('parses headers, extensions, sizes and a last OBU without size field', () => {
    const tu = obus([TD, SH, frameObu(Uint8Array.of(1, 2, 3), 0x28)], true);
    const parsed = parseObus(tu);
    expect(parsed.map((o) => [o.type, o.extension, o.hasSize, o.payloadEnd - o.payloadStart])).toEqual([
      [2, undefined, true, 0],
      [1, undefined, true, 6],
      [6, 0x28, false, 3],
    ]);
  });

  it('rejects malformed temporal units with a typed error', () => {
    const code = (bytes: number[]) => {
      try {
        parseObus(Uint8Array.from(bytes));
        return 'ok';
      } catch (e) {
        return (e as SealError).code;
      }
    };
    expect(code([])).toBe('malformed-frame');
    expect(code([0x92, 0x00])).toBe('malformed-frame'); // forbidden bit
    expect(code([0x36])).toBe('malformed-frame'); // extension missing
    expect(code([0x32, 0x85])).toBe('malformed-frame'); // size truncated
    expect(code([0x32, 0x05, 1, 2])).toBe('malformed-frame'); // size past the end
    expect(code([0x32, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])).toBe('malformed-frame'); // > 8 bytes
    expect(code([0x32, 0x80, 0x80, 0x80, 0x80, 0x10])).toBe('malformed-frame'); // 2^32
    expect(code([0x32, 0x81, 0x00, 0x07])).toBe('ok'); // non-minimal leb128 is legal
  });
});

describe('AV1 framing', () => {
  it('keeps TD and sequence header whole, OBU headers clear, and rewrites sizes', async () => {
    const cipher = await makeTestCipher();
    const payload = crypto.getRandomValues(new Uint8Array(300));
    const tu = obus([TD, SH, frameObu(payload, 0x10)]);
    const out = await protectFrame('av1', tu, { keyFrame: true }, cipher);
    const parsed = parseObus(out);
    expect(parsed.map((o) => [o.header, o.extension])).toEqual([
      [0x12, undefined],
      [0x0a, undefined],
      [0x36, 0x10],
    ]);
    expect([...out.subarray(parsed[1]!.payloadStart, parsed[1]!.payloadEnd)]).toEqual([...SH.payload]);
    const f = parsed[2]!;
    expect(f.payloadEnd - f.payloadStart).toBe(payload.length + 3 + 16); // test SFrame header (3 bytes for CTR 0) + tag
    expect([...out.subarray(f.payloadStart, f.payloadStart + 2)]).toEqual([0, 0]); // the SFrame header starts the payload
    expect(cipher.sealed).toBe(1);
    expect([...(await unprotectFrame('av1', out, cipher))]).toEqual([...tu]);
  });

  it('keeps a last OBU without size field without one', async () => {
    const cipher = await makeTestCipher();
    const tu = obus([TD, frameObu(Uint8Array.of(9, 8, 7))], true);
    const out = await protectFrame('av1', tu, { keyFrame: false }, cipher);
    expect(parseObus(out).at(-1)!.hasSize).toBe(false);
    expect([...(await unprotectFrame('av1', out, cipher))]).toEqual([...tu]);
  });

  it('still opens after RTP drops the TD and writes size fields everywhere', async () => {
    const cipher = await makeTestCipher();
    const tu = obus([TD, SH, { type: 15, ext: undefined, payload: Uint8Array.of(0, 0) }, frameObu(Uint8Array.of(5, 6, 7), 0x08)], true);
    const out = await protectFrame('av1', tu, { keyFrame: true }, cipher);
    const received = await unprotectFrame('av1', throughRtp(out), cipher);
    expect([...received]).toEqual([...throughRtp(tu)]);
  });

  it('authenticates OBU headers, extensions and the sequence header', async () => {
    const cipher = await makeTestCipher();
    const tu = obus([TD, SH, frameObu(Uint8Array.of(1, 2, 3, 4), 0x10)]);
    const out = await protectFrame('av1', tu, { keyFrame: true }, cipher);
    const [, sh, f] = parseObus(out) as [unknown, ReturnType<typeof parseObus>[number], ReturnType<typeof parseObus>[number]];
    for (const [at, xor] of [
      [sh.payloadStart + 3, 0x01], // sequence header payload
      [f.start, 0x01], // frame OBU reserved bit
      [f.start + 1, 0x20], // extension byte
      [f.start, 0x08 ^ 0x30], // OBU type 6 → 0
    ] as const) {
      const bad = out.slice();
      bad[at]! ^= xor;
      expect(await rejection(unprotectFrame('av1', bad, cipher))).toMatch(/^(auth-failed|malformed-frame)$/);
    }
  });

  it('passes temporal delimiters and padding through unauthenticated (transports drop them)', async () => {
    const cipher = await makeTestCipher();
    const tu = obus([TD, frameObu(Uint8Array.of(1, 2, 3))]);
    const out = await protectFrame('av1', tu, { keyFrame: false }, cipher);
    const tweaked = out.slice();
    tweaked[0] = 0x13; // TD with the reserved bit set: still a TD
    expect([...(await unprotectFrame('av1', tweaked, cipher))]).toEqual([0x13, ...tu.subarray(1)]);
  });

  it('refuses tile lists and frames with nothing to encrypt', async () => {
    const cipher = await makeTestCipher();
    const tileList = obus([TD, { type: 8, ext: undefined, payload: Uint8Array.of(1) }, frameObu(Uint8Array.of(1))]);
    expect(await rejection(protectFrame('av1', tileList, { keyFrame: false }, cipher))).toBe('unsupported-frame');
    expect(await rejection(unprotectFrame('av1', tileList, cipher))).toBe('malformed-frame');
    expect(await rejection(protectFrame('av1', obus([TD, SH]), { keyFrame: true }, cipher))).toBe('unsupported-frame');
    expect(await rejection(unprotectFrame('av1', obus([TD, SH]), cipher))).toBe('malformed-frame');
  });

  it('reads key frames from the frame header', () => {
    expect(isKeyFrame('av1', obus([TD, SH, frameObu(Uint8Array.of(0x10, 0xff))]))).toBe(true); // show_existing 0, KEY_FRAME
    expect(isKeyFrame('av1', obus([TD, frameObu(Uint8Array.of(0x30, 0xff))]))).toBe(false); // INTER_FRAME
    expect(isKeyFrame('av1', obus([TD, frameObu(Uint8Array.of(0x80))]))).toBe(false); // show_existing_frame
    expect(isKeyFrame('av1', obus([TD, { ...SH, payload: Uint8Array.of(0x18) }, frameObu(Uint8Array.of(0xff))]))).toBe(true); // reduced still picture
    expect(isKeyFrame('av1', obus([TD]))).toBe(false);
  });

  it('round-trips random temporal units; output parses as valid OBUs of the same types (property)', async () => {
    const cipher = await makeTestCipher();
    await fc.assert(
      fc.asyncProperty(av1Frame, async ({ specs, frame }) => {
        const out = await protectFrame('av1', frame, { keyFrame: false }, cipher);
        const parsed = parseObus(out);
        expect(parsed.map((o) => [o.type, o.extension])).toEqual(specs.map((s) => [s.type, s.ext]));
        parsed.forEach((o, i) => {
          if (specs[i]!.type === 1 || specs[i]!.type === 2 || specs[i]!.type === 15) {
            expect([...out.subarray(o.payloadStart, o.payloadEnd)]).toEqual([...specs[i]!.payload]);
          }
        });
        expect([...(await unprotectFrame('av1', out, cipher))]).toEqual([...frame]);
        expect([...(await unprotectFrame('av1', throughRtp(out), cipher))]).toEqual([...throughRtp(frame)]);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any single-byte change outside TD/padding OBUs (property)', async () => {
    const cipher = await makeTestCipher({ tagBytes: 8 });
    await fc.assert(
      fc.asyncProperty(av1Frame, fc.nat(), fc.integer({ min: 1, max: 255 }), async ({ frame }, at, xor) => {
        const out = await protectFrame('av1', frame, { keyFrame: false }, cipher);
        const open = parseObus(out).filter((o) => o.type === 2 || o.type === 15);
        const i = at % out.length;
        fc.pre(!open.some((o) => i >= o.start && i < o.payloadEnd));
        const bad = out.slice();
        bad[i]! ^= xor;
        expect(await rejection(unprotectFrame('av1', bad, cipher))).toMatch(/^(auth-failed|malformed-frame|malformed-header)$/);
      }),
      { numRuns: 300 },
    );
  });
});
