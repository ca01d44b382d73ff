import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../src/errors.js';
import { clearLength, splitAnnexB } from '../../../src/media/codecs/h264-nal.js';
import { isKeyFrame, protectFrame, unprotectFrame, type FrameCipher } from '../../../src/media/codecs/index.js';
import { annexB, concat, h264Frame, makeTestCipher, sliceNal, zeroHeavyBytes } from './helpers.js';

const SPS = Uint8Array.of(0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8);
const PPS = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
const SEI = Uint8Array.of(0x06, 0x05, 0x01, 0x55, 0x80);
const IDR = sliceNal(5, { firstMb: 0, sliceType: 7, ppsId: 0 }, crypto.getRandomValues(new Uint8Array(3000)));
const KEY_FRAME = annexB([SPS, PPS, SEI, IDR]);

const nalsOf = (frame: Uint8Array): Uint8Array[] => splitAnnexB(frame).map((s) => frame.subarray(s.start, s.end));

/** True when a NAL unit holds `00 00 00`, `00 00 01` or `00 00 02`. */
function emulatesStartCode(nal: Uint8Array): boolean {
  for (let i = 2; i < nal.length; i++) if (nal[i - 2] === 0 && nal[i - 1] === 0 && nal[i]! <= 2) return true;
  return false;
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof SealError ? e.code : `untyped: ${String(e)}`;
  }
  return 'resolved';
}

describe('H.264 NAL unit classification', () => {
  it('keeps parameter sets, SEI and AUD whole', () => {
    for (const nal of [SPS, PPS, SEI, Uint8Array.of(0x09, 0xf0)]) expect(clearLength(nal)).toEqual({ clear: nal.length, encrypted: false });
  });

  it('keeps a slice header byte and first_mb_in_slice, slice_type, pic_parameter_set_id clear', () => {
    // first_mb 0 ('1'), slice_type 7 ('0001000'), pps 0 ('1') = 9 bits → 2 bytes after the header
    expect(clearLength(IDR)).toEqual({ clear: 3, encrypted: true });
    expect(IDR[1]).toBe(0x88);
    // first_mb 3599, slice_type 5, pps 255: 23 + 5 + 17 bits = 45 bits → 6 bytes
    const p = sliceNal(1, { firstMb: 3599, sliceType: 5, ppsId: 255 }, Uint8Array.of(9, 9, 9));
    expect(clearLength(p)).toEqual({ clear: 7, encrypted: true });
  });

  it('skips emulation prevention bytes inside the slice-header prefix', async () => {
    // first_mb_in_slice 2^22 - 1: 22 leading zero bits, so the escaped prefix holds 00 00 03 02
    const nal = sliceNal(1, { firstMb: 2 ** 22 - 1, sliceType: 0, ppsId: 7 }, Uint8Array.of(0xaa, 0xbb));
    expect([...nal.subarray(1, 5)]).toEqual([0, 0, 3, 2]);
    expect(clearLength(nal)).toEqual({ clear: 9, encrypted: true }); // 7 RBSP bytes + 1 EPB + header
    const cipher = await makeTestCipher();
    const out = await protectFrame('h264', annexB([nal]), { keyFrame: false }, cipher);
    expect([...nalsOf(out)[0]!.subarray(0, 9)]).toEqual([...nal.subarray(0, 9)]);
    expect([...(await unprotectFrame('h264', out, cipher))]).toEqual([...annexB([nal])]);
  });

  it('keeps the 3-byte extension of slice extensions clear and only the header of unknown types', () => {
    expect(clearLength(Uint8Array.of(0x74, 1, 2, 3, 4, 5))).toEqual({ clear: 4, encrypted: true });
    expect(clearLength(Uint8Array.of(0x17, 1, 2))).toEqual({ clear: 1, encrypted: true });
  });

  it('rejects a set forbidden bit, truncated slice headers and out-of-range fields', () => {
    const c = (nal: number[]) => {
      try {
        clearLength(Uint8Array.from(nal));
        return 'ok';
      } catch (e) {
        return (e as SealError).code;
      }
    };
    expect(c([0xe5, 0x88])).toBe('malformed-frame');
    expect(c([0x65])).toBe('malformed-frame');
    expect(c([0x65, 0x80])).toBe('malformed-frame'); // slice_type missing
    expect(c([0x65, 0x80 | 0x05, 0x80])).toBe('malformed-frame'); // slice_type ue = 10 > 9
    expect(c([0x65, 0, 0, 0, 0, 0x01])).toBe('malformed-frame'); // Exp-Golomb too long
  });

  it('splits Annex B with 3- and 4-byte start codes and drops trailing zero bytes', () => {
    const frame = concat([0, 0, 1], SPS, [0, 0, 0, 0, 1], PPS, [0, 0], [0, 0, 1], IDR, [0, 0]);
    expect(nalsOf(frame).map((n) => [...n])).toEqual([[...SPS], [...PPS], [...IDR]]);
    const code = (f: Uint8Array) => {
      try {
        splitAnnexB(f);
        return 'ok';
      } catch (e) {
        return (e as SealError).code;
      }
    };
    expect(code(concat([9], KEY_FRAME))).toBe('malformed-frame');
    expect(code(Uint8Array.of(0, 0, 1))).toBe('malformed-frame');
    expect(code(concat(KEY_FRAME, [0, 0, 1, 0, 0, 1, 0x41, 0x9a]))).toBe('malformed-frame');
  });
});

/** Byte-at-a-time Annex B splitter (reference for the skipping one), with the escape-pattern starts. */
function referenceSplit(data: Uint8Array): { spans: [number, number][]; escapes: number[] } | 'malformed' {
  let i = 0;
  while (i < data.length && data[i] === 0) i++;
  if (i < 2 || data[i] !== 1) return 'malformed';
  const starts: number[] = [i + 1];
  const codes: number[] = [];
  const escapes: number[] = [];
  for (let p = i + 1; p + 2 < data.length; p++) {
    if (data[p] === 0 && data[p + 1] === 0 && data[p + 2] === 1) {
      codes.push(p);
      starts.push(p + 3);
      p += 2;
    } else if (data[p] === 0 && data[p + 1] === 0 && data[p + 2]! <= 3) {
      escapes.push(p);
    }
  }
  codes.push(data.length);
  const spans: [number, number][] = [];
  for (let k = 0; k < starts.length; k++) {
    let end = codes[k]!;
    while (end > starts[k]! && data[end - 1] === 0) end--;
    if (end === starts[k]) return 'malformed';
    spans.push([starts[k]!, end]);
  }
  return { spans, escapes };
}

describe('H.264 Annex B splitting', () => {
  it('agrees with a byte-at-a-time splitter, escape patterns included, on zero-heavy input (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom([0, 0, 1], [0, 0, 0, 1], [0, 1], [5]), zeroHeavyBytes(300), (sc, body) => {
        const data = concat(sc, body);
        const expected = referenceSplit(data);
        let actual: { spans: [number, number][]; escapes: number[] } | 'malformed';
        try {
          const escapes: number[] = [];
          actual = { spans: splitAnnexB(data, escapes).map((s) => [s.start, s.end]), escapes };
        } catch (e) {
          expect((e as SealError).code).toBe('malformed-frame');
          actual = 'malformed';
        }
        expect(actual).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('H.264 framing', () => {
  it('leaves SPS, PPS, SEI and the slice prefix byte-identical and encrypts the slice data', async () => {
    const cipher = await makeTestCipher();
    const out = await protectFrame('h264', KEY_FRAME, { keyFrame: true }, cipher);
    const nals = nalsOf(out);
    expect(nals).toHaveLength(4);
    expect([...nals[0]!]).toEqual([...SPS]);
    expect([...nals[1]!]).toEqual([...PPS]);
    expect([...nals[2]!]).toEqual([...SEI]);
    expect([...nals[3]!.subarray(0, 3)]).toEqual([...IDR.subarray(0, 3)]);
    // the SFrame header of the test cipher starts with 00 00: it must have been escaped
    expect([...nals[3]!.subarray(3, 6)]).toEqual([0, 0, 3]);
    expect(emulatesStartCode(nals[3]!)).toBe(false);
    expect(cipher.sealed).toBe(1);
    expect(isKeyFrame('h264', KEY_FRAME)).toBe(true);
    expect([...(await unprotectFrame('h264', out, cipher))]).toEqual([...KEY_FRAME]);
  });

  it('authenticates every clear byte: SPS, PPS, SEI and slice prefixes', async () => {
    const cipher = await makeTestCipher();
    const out = await protectFrame('h264', KEY_FRAME, { keyFrame: true }, cipher);
    const spsAt = 5; // after the start code and the SPS header byte
    const ppsAt = 4 + SPS.length + 4 + 2;
    const sliceAt = 4 + SPS.length + 4 + PPS.length + 4 + SEI.length + 4 + 1;
    for (const at of [spsAt, ppsAt, sliceAt]) {
      const bad = out.slice();
      bad[at]! ^= 0x01;
      expect(await rejection(unprotectFrame('h264', bad, cipher))).toMatch(/auth-failed|malformed-frame/);
    }
  });

  it('binds the NAL unit structure: dropping, reordering or moving bytes between units fails', async () => {
    const cipher = await makeTestCipher();
    const s1 = sliceNal(1, { firstMb: 0, sliceType: 5, ppsId: 0 }, crypto.getRandomValues(new Uint8Array(200)));
    const s2 = sliceNal(1, { firstMb: 40, sliceType: 5, ppsId: 0 }, crypto.getRandomValues(new Uint8Array(200)));
    const out = await protectFrame('h264', annexB([s1, s2]), { keyFrame: false }, cipher);
    const [w1, w2] = nalsOf(out) as [Uint8Array, Uint8Array];
    expect(await rejection(unprotectFrame('h264', annexB([w2, w1]), cipher))).not.toBe('resolved');
    expect(await rejection(unprotectFrame('h264', annexB([w1]), cipher))).not.toBe('resolved');
    expect(await rejection(unprotectFrame('h264', annexB([w1, SPS, w2]), cipher))).not.toBe('resolved');
    expect([...(await unprotectFrame('h264', annexB([w1, w2]), cipher))]).toEqual([...annexB([s1, s2])]);
  });

  it('binds segment lengths: moving ciphertext from one unit into the next fails', async () => {
    const cipher = await makeTestCipher();
    let tried = 0;
    for (let attempt = 0; attempt < 200 && tried < 5; attempt++) {
      const s1 = sliceNal(1, { firstMb: 0, sliceType: 5, ppsId: 0 }, crypto.getRandomValues(new Uint8Array(100)));
      const s2 = sliceNal(1, { firstMb: 40, sliceType: 5, ppsId: 0 }, crypto.getRandomValues(new Uint8Array(100)));
      const [w1, w2] = nalsOf(await protectFrame('h264', annexB([s1, s2]), { keyFrame: false }, cipher)) as [Uint8Array, Uint8Array];
      const c1 = clearLength(w1).clear;
      const c2 = clearLength(w2).clear;
      // pick frames where the move keeps both units canonically escaped, so only the AAD can object
      const last = w1[w1.length - 1]!;
      const before = w1[w1.length - 2]!;
      if (last <= 3 || last === 0x80 || before === 0 || before === 0x80 || w2[c2] === 0) continue;
      tried++;
      const moved1 = w1.subarray(0, w1.length - 1);
      const moved2 = concat(w2.subarray(0, c2), [last], w2.subarray(c2));
      expect(clearLength(moved1).clear).toBe(c1);
      // the concatenated SFrame is unchanged, so without the segment lengths in the AAD this would open
      expect(await rejection(unprotectFrame('h264', annexB([moved1, moved2]), cipher))).toBe('auth-failed');
    }
    expect(tried).toBe(5);
  });

  it('unescapes across the clear/encrypted boundary when the clear bytes end in 00 00', async () => {
    // slice extension NAL: header + 3 extension bytes clear, the last two of them zero; the
    // "SFrame" starts with 0x01, so the escaper must insert 03 right at the boundary, and that
    // is the only escape in the unit
    let sealedMeta: Uint8Array | undefined;
    const plain: FrameCipher = {
      seal: async (m, p) => {
        sealedMeta = m.slice();
        return concat([0x01], p, [0x55, 0x55]);
      },
      open: async (m, s) => {
        expect([...m]).toEqual([...sealedMeta!]);
        return s.slice(1, s.length - 2);
      },
    };
    const nal = Uint8Array.of(0x74, 0x80, 0x00, 0x00, 0x41, 0x42, 0x43);
    const out = await protectFrame('h264', annexB([nal]), { keyFrame: false }, plain);
    expect([...nalsOf(out)[0]!]).toEqual([0x74, 0x80, 0x00, 0x00, 0x03, 0x01, 0x41, 0x42, 0x43, 0x55, 0x55]);
    expect([...(await unprotectFrame('h264', out, plain))]).toEqual([...annexB([nal])]);
  });

  it('refuses to send a frame without a unit to encrypt, and to open one', async () => {
    const cipher = await makeTestCipher();
    expect(await rejection(protectFrame('h264', annexB([SPS, PPS]), { keyFrame: false }, cipher))).toBe('unsupported-frame');
    expect(await rejection(unprotectFrame('h264', annexB([SPS, PPS]), cipher))).toBe('malformed-frame');
  });

  it('rejects a misplaced trailer byte', async () => {
    const cipher = await makeTestCipher();
    const bare = annexB([Uint8Array.of(0x41, 0x9a, 0x80)]); // prefix 2 bytes, then a lone 0x80
    expect(await rejection(unprotectFrame('h264', bare, cipher))).toBe('malformed-frame');
  });

  it('round-trips random frames; the output holds no start code inside a NAL unit (property)', async () => {
    const cipher = await makeTestCipher();
    await fc.assert(
      fc.asyncProperty(h264Frame, async ({ nals, frame }) => {
        const out = await protectFrame('h264', frame, { keyFrame: false }, cipher);
        const wire = nalsOf(out);
        expect(wire).toHaveLength(nals.length);
        for (let i = 0; i < nals.length; i++) {
          const { clear, encrypted } = clearLength(nals[i]!);
          expect([...wire[i]!.subarray(0, clear)]).toEqual([...nals[i]!.subarray(0, clear)]);
          if (!encrypted) expect(wire[i]!.length).toBe(nals[i]!.length);
          expect(emulatesStartCode(wire[i]!)).toBe(false);
          expect(wire[i]![wire[i]!.length - 1]).not.toBe(0);
        }
        // the receiver gets 4-byte start codes from the depacketizer: same bytes either way
        expect([...(await unprotectFrame('h264', out, cipher))]).toEqual([...annexB(nals)]);
        expect([...(await unprotectFrame('h264', annexB(wire), cipher))]).toEqual([...annexB(nals)]);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips with an 8-byte tag and long SFrame headers', async () => {
    const cipher = await makeTestCipher({ tagBytes: 8, firstCounter: 0x01000000 });
    await fc.assert(
      fc.asyncProperty(h264Frame, async ({ nals, frame }) => {
        const out = await protectFrame('h264', frame, { keyFrame: false }, cipher);
        expect([...(await unprotectFrame('h264', out, cipher))]).toEqual([...annexB(nals)]);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects any single-byte change of a protected frame (property)', async () => {
    const cipher = await makeTestCipher();
    await fc.assert(
      fc.asyncProperty(h264Frame, fc.nat(), fc.integer({ min: 1, max: 255 }), async ({ frame }, at, xor) => {
        const out = await protectFrame('h264', frame, { keyFrame: false }, cipher);
        const bad = out.slice();
        bad[at % bad.length]! ^= xor;
        expect(await rejection(unprotectFrame('h264', bad, cipher))).toMatch(/^(auth-failed|malformed-frame|malformed-header)$/);
      }),
      { numRuns: 300 },
    );
  });
});
