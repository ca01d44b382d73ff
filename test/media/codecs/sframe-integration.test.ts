/**
 * Codec framing over the real SFrameContext (the way the transform worker binds it), for every
 * codec and for suites with different tag sizes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../../src/errors.js';
import { MEDIA_CODECS, protectFrame, unprotectFrame, type FrameCipher, type MediaCodec } from '../../../src/media/codecs/index.js';
import { CipherSuite, SFrameContext } from '../../../src/sframe/index.js';
import { anyBytes, av1Frame, h264Frame, annexB, vp8Frame } from './helpers.js';

async function pair(suite: number, kid: bigint): Promise<{ send: FrameCipher; recv: FrameCipher }> {
  const baseKey = crypto.getRandomValues(new Uint8Array(32));
  const a = new SFrameContext({ suite });
  const b = new SFrameContext({ suite });
  await a.addEncryptKey(kid, baseKey);
  await b.addDecryptKey(kid, baseKey);
  baseKey.fill(0);
  return {
    send: { seal: (m, p) => a.encrypt(kid, m, p), open: () => Promise.reject(new Error('send side')) },
    recv: { seal: () => Promise.reject(new Error('receive side')), open: async (m, s) => (await b.decrypt(m, s)).plaintext },
  };
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof SealError ? e.code : `untyped: ${String(e)}`;
  }
  return 'resolved';
}

/** A well-formed frame of `codec` and the frame the receiver should get back. */
const frameOf = (codec: MediaCodec): fc.Arbitrary<{ frame: Uint8Array; expected: Uint8Array; key: boolean }> => {
  switch (codec) {
    case 'vp8':
      return vp8Frame.map(({ frame, key }) => ({ frame, expected: frame, key }));
    case 'h264':
      return h264Frame.map(({ nals, frame }) => ({ frame, expected: annexB(nals), key: false }));
    case 'av1':
      return av1Frame.map(({ frame }) => ({ frame, expected: frame, key: false }));
    case 'vp9':
    case 'opus':
      return anyBytes(300).map((frame) => ({ frame, expected: frame, key: false }));
  }
};

describe('codec framing over SFrameContext', () => {
  for (const [name, suite] of [
    ['AES_256_GCM_SHA512_128', CipherSuite.AES_256_GCM_SHA512_128],
    ['AES_128_CTR_HMAC_SHA256_80', CipherSuite.AES_128_CTR_HMAC_SHA256_80],
  ] as const) {
    it(`round-trips every codec with ${name} (property)`, async () => {
      const { send, recv } = await pair(suite, 0x1234_5678_9an);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...MEDIA_CODECS).chain((c) => frameOf(c).map((f) => ({ codec: c, ...f }))), async ({ codec, frame, expected, key }) => {
          const wire = await protectFrame(codec, frame, { keyFrame: key }, send);
          expect([...(await unprotectFrame(codec, wire, recv))]).toEqual([...expected]);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('rejects a replayed frame, a frame under another key, and random bytes with SFrame codes', async () => {
    const { send, recv } = await pair(CipherSuite.AES_256_GCM_SHA512_128, 7n);
    const other = await pair(CipherSuite.AES_256_GCM_SHA512_128, 7n);
    const frame = Uint8Array.of(0x31, 0x02, 0x00, 1, 2, 3);
    const wire = await protectFrame('vp8', frame, { keyFrame: false }, send);
    expect([...(await unprotectFrame('vp8', wire, recv))]).toEqual([...frame]);
    expect(await rejection(unprotectFrame('vp8', wire, recv))).toBe('replay');
    await protectFrame('vp8', frame, { keyFrame: false }, other.send); // CTR 0, already seen
    const forged = await protectFrame('vp8', frame, { keyFrame: false }, other.send); // same KID, other key
    expect(await rejection(unprotectFrame('vp8', forged, recv))).toBe('auth-failed');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...MEDIA_CODECS), anyBytes(100), async (codec, bytes) => {
        expect(await rejection(unprotectFrame(codec, bytes, recv))).toMatch(/^(malformed-frame|malformed-header|unknown-key|auth-failed|replay)$/);
      }),
      { numRuns: 300 },
    );
  });
});
