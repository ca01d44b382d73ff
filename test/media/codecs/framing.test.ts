import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../src/errors.js';
import {
  FRAMING_VERSION,
  FramingError,
  MEDIA_CODECS,
  codecFromMimeType,
  isKeyFrame,
  protectFrame,
  unprotectFrame,
  type FrameCipher,
  type MediaCodec,
} from '../../../src/media/codecs/index.js';
import { anyBytes, concat, makeTestCipher, vp8Frame } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof SealError ? e.code : `untyped: ${String(e)}`;
  }
  return 'resolved';
}

const VP8_KEY = concat([0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], crypto.getRandomValues(new Uint8Array(500)));
const VP8_DELTA = concat([0x31, 0x02, 0x00], crypto.getRandomValues(new Uint8Array(200)));

describe('VP8 framing (RFC 6386 §9.1)', () => {
  it('keeps 10 bytes clear on key frames and 3 on interframes, as metadata', async () => {
    const cipher = await makeTestCipher();
    const key = await protectFrame('vp8', VP8_KEY, { keyFrame: true }, cipher);
    expect([...key.subarray(0, 10)]).toEqual([...VP8_KEY.subarray(0, 10)]);
    expect([...key.subarray(10, 13)]).toEqual([0, 0, 0]); // the test SFrame header follows directly
    expect([...cipher.lastSealMetadata!]).toEqual([FRAMING_VERSION, 1, ...VP8_KEY.subarray(0, 10)]);
    const delta = await protectFrame('vp8', VP8_DELTA, { keyFrame: false }, cipher);
    expect([...delta.subarray(0, 3)]).toEqual([...VP8_DELTA.subarray(0, 3)]);
    expect(delta.length).toBe(VP8_DELTA.length + 4 + 16);
    expect([...(await unprotectFrame('vp8', key, cipher))]).toEqual([...VP8_KEY]);
    expect([...(await unprotectFrame('vp8', delta, cipher))]).toEqual([...VP8_DELTA]);
  });

  it('authenticates the clear bytes', async () => {
    const cipher = await makeTestCipher();
    const out = await protectFrame('vp8', VP8_KEY, { keyFrame: true }, cipher);
    for (const at of [1, 2, 6, 9]) {
      const bad = out.slice();
      bad[at]! ^= 0x04;
      expect(await rejection(unprotectFrame('vp8', bad, cipher))).toBe('auth-failed');
    }
  });

  it('rejects frames that contradict the encoder flag, lack the start code, or are too short', async () => {
    const cipher = await makeTestCipher();
    expect(await rejection(protectFrame('vp8', VP8_KEY, { keyFrame: false }, cipher))).toBe('malformed-frame');
    expect(await rejection(protectFrame('vp8', VP8_DELTA, { keyFrame: true }, cipher))).toBe('malformed-frame');
    const noStartCode = VP8_KEY.slice();
    noStartCode[4] = 0;
    expect(await rejection(protectFrame('vp8', noStartCode, { keyFrame: true }, cipher))).toBe('malformed-frame');
    expect(await rejection(protectFrame('vp8', Uint8Array.of(0x31, 0), { keyFrame: false }, cipher))).toBe('malformed-frame');
    expect(await rejection(unprotectFrame('vp8', VP8_KEY.subarray(0, 8), cipher))).toBe('malformed-frame');
  });

  it('round-trips random frames (property)', async () => {
    const cipher = await makeTestCipher();
    await fc.assert(
      fc.asyncProperty(vp8Frame, async ({ key, frame }) => {
        expect(isKeyFrame('vp8', frame)).toBe(key);
        const out = await protectFrame('vp8', frame, { keyFrame: key }, cipher);
        expect([...out.subarray(0, key ? 10 : 3)]).toEqual([...frame.subarray(0, key ? 10 : 3)]);
        expect([...(await unprotectFrame('vp8', out, cipher))]).toEqual([...frame]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('VP9 and Opus framing (whole frame)', () => {
  it('encrypts every byte, TOC included, and binds the codec', async () => {
    const cipher = await makeTestCipher();
    const opus = Uint8Array.of(0x78, 0x01, 0x02, 0x03);
    const out = await protectFrame('opus', opus, { keyFrame: false }, cipher);
    expect(out.length).toBe(opus.length + 3 + 16);
    expect([...out.subarray(0, 3)]).toEqual([0, 0, 0]); // starts with the SFrame header, not the TOC
    expect([...(await unprotectFrame('opus', out, cipher))]).toEqual([...opus]);
    // the same bytes do not open as another codec: the metadata names the codec
    expect(await rejection(unprotectFrame('vp9', out, cipher))).toBe('auth-failed');
  });

  it('handles empty frames (Opus DTX) and round-trips random frames (property)', async () => {
    const cipher = await makeTestCipher();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<MediaCodec>('vp9', 'opus'), anyBytes(400), async (codec, frame) => {
        const out = await protectFrame(codec, frame, { keyFrame: false }, cipher);
        expect([...(await unprotectFrame(codec, out, cipher))]).toEqual([...frame]);
      }),
      { numRuns: 200 },
    );
  });

  it('reads VP9 key frames from the uncompressed header', () => {
    expect(isKeyFrame('vp9', Uint8Array.of(0x82, 0x49))).toBe(true); // profile 0, show_existing 0, KEY_FRAME
    expect(isKeyFrame('vp9', Uint8Array.of(0x86))).toBe(false); // profile 0, NON_KEY_FRAME
    expect(isKeyFrame('vp9', Uint8Array.of(0x88))).toBe(false); // show_existing_frame
    expect(isKeyFrame('vp9', Uint8Array.of(0xb0))).toBe(true); // profile 3, reserved 0, KEY_FRAME
    expect(isKeyFrame('vp9', Uint8Array.of(0xb2))).toBe(false); // profile 3, NON_KEY_FRAME
    expect(() => isKeyFrame('vp9', Uint8Array.of(0x42))).toThrow(FramingError);
    expect(isKeyFrame('opus', Uint8Array.of(0x78))).toBeUndefined();
  });
});

describe('framing API', () => {
  it('maps WebRTC MIME types to codecs', () => {
    expect(codecFromMimeType('video/VP8')).toBe('vp8');
    expect(codecFromMimeType('video/vp9')).toBe('vp9');
    expect(codecFromMimeType('video/H264; profile-level-id=42e01f')).toBe('h264');
    expect(codecFromMimeType('video/AV1')).toBe('av1');
    expect(codecFromMimeType('audio/opus')).toBe('opus');
    for (const other of ['video/rtx', 'audio/red', 'video/ulpfec', 'audio/PCMU', 'video/H265', '']) expect(codecFromMimeType(other)).toBeUndefined();
  });

  it('rejects unknown codecs with a typed error', async () => {
    const cipher = await makeTestCipher();
    const bogus = 'h265' as MediaCodec;
    expect(await rejection(protectFrame(bogus, Uint8Array.of(1), { keyFrame: false }, cipher))).toBe('unsupported-codec');
    expect(await rejection(unprotectFrame(bogus, Uint8Array.of(1), cipher))).toBe('unsupported-codec');
    expect(() => isKeyFrame(bogus, Uint8Array.of(1))).toThrow(FramingError);
  });

  it('seals exactly one SFrame per frame and never modifies its input', async () => {
    const cipher = await makeTestCipher();
    const frame = VP8_KEY.slice();
    await protectFrame('vp8', frame, { keyFrame: true }, cipher);
    expect([...frame]).toEqual([...VP8_KEY]);
    expect(cipher.sealed).toBe(1);
  });

  it('returns arrays that span their whole buffer, even when the cipher returns views', async () => {
    const inner = await makeTestCipher();
    const padded = (b: Uint8Array) => concat([9, 9], b, [9]).subarray(2, 2 + b.length);
    const viewCipher: FrameCipher = { seal: async (m, p) => padded(await inner.seal(m, p)), open: async (m, s) => padded(await inner.open(m, s)) };
    const frames: [MediaCodec, Uint8Array][] = [
      ['vp8', VP8_DELTA],
      ['vp9', Uint8Array.of(0x82, 0x49, 1, 2)],
      ['opus', Uint8Array.of(0x78, 1)],
      ['h264', Uint8Array.of(0, 0, 0, 1, 0x65, 0x88, 0x84, 5, 6)],
      ['av1', Uint8Array.of(0x12, 0x00, 0x32, 0x02, 0x10, 0x11)],
    ];
    for (const [codec, frame] of frames) {
      const out = await protectFrame(codec, frame, { keyFrame: false }, viewCipher);
      expect(out.byteLength).toBe(out.buffer.byteLength);
      const back = await unprotectFrame(codec, out, viewCipher);
      expect(back.byteLength).toBe(back.buffer.byteLength);
      expect([...back]).toEqual([...frame]);
    }
  });

  it('random bytes into unprotectFrame only ever reject with typed errors (property)', async () => {
    const cipher = await makeTestCipher();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...MEDIA_CODECS), fc.oneof(anyBytes(200), anyBytes(200).map((b) => concat([0, 0, 0, 1, 0x65, 0x88], b))), async (codec, bytes) => {
        const code = await rejection(unprotectFrame(codec, bytes, cipher));
        expect(code).toMatch(/^(malformed-frame|malformed-header|auth-failed)$/);
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes into protectFrame either succeed and round-trip, or reject with typed errors (property)', async () => {
    const cipher = await makeTestCipher();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...MEDIA_CODECS), anyBytes(200), fc.boolean(), async (codec, bytes, keyFrame) => {
        let out: Uint8Array;
        try {
          out = await protectFrame(codec, bytes, { keyFrame }, cipher);
        } catch (e) {
          expect(e).toBeInstanceOf(FramingError);
          return;
        }
        expect((await unprotectFrame(codec, out, cipher)).length).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('documented examples', () => {
  it('hold as written in the TSDoc', async () => {
    const { splitAnnexB, clearLength } = await import('../../../src/media/codecs/h264-nal.js');
    const { parseObus } = await import('../../../src/media/codecs/av1-obu.js');
    const { escapePlan, escapeEmulation, unescapeEmulation } = await import('../../../src/media/codecs/h264-escape.js');
    expect(splitAnnexB(Uint8Array.of(0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce))).toEqual([
      { start: 4, end: 6 },
      { start: 9, end: 11 },
    ]);
    expect(clearLength(Uint8Array.of(0x65, 0x88, 0x84, 0x21))).toEqual({ clear: 3, encrypted: true });
    expect(parseObus(Uint8Array.of(0x12, 0x00, 0x30, 0xaa)).map((o) => o.type)).toEqual([2, 6]);
    expect(escapePlan(Uint8Array.of(7, 0, 0, 1, 0, 0, 9))).toEqual([3]);
    expect([...escapeEmulation(Uint8Array.of(0, 0, 1))]).toEqual([0, 0, 3, 1]);
    expect([...unescapeEmulation(Uint8Array.of(0, 0, 3, 1))]).toEqual([0, 0, 1]);
    expect(isKeyFrame('h264', Uint8Array.of(0, 0, 0, 1, 0x65, 0x88, 0x84))).toBe(true);
    expect(isKeyFrame('av1', Uint8Array.of(0x12, 0x00, 0x32, 0x01, 0x10))).toBe(true);
    expect(isKeyFrame('vp8', Uint8Array.of(0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01))).toBe(true);
  });
});
