import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairwiseChannel, REORDER_LIMIT } from '../../src/keys/channel.js';
import { createEphemeral, deriveChannelKeys } from '../../src/keys/handshake.js';
import type { ChannelMessage, SealedMessage } from '../../src/protocol/index.js';
import { toHex } from '../helpers/vectors.js';

async function pair(room = 'r') {
  const [ea, eb] = [await createEphemeral(), await createEphemeral()];
  const a = { id: 'alice', idk: new Uint8Array(32).fill(1), eph: ea.publicKey };
  const b = { id: 'bob', idk: new Uint8Array(32).fill(2), eph: eb.publicKey };
  const ab = await PairwiseChannel.create(room, 'alice', 'bob', await deriveChannelKeys(room, a, ea.secretKey, b));
  const ba = await PairwiseChannel.create(room, 'bob', 'alice', await deriveChannelKeys(room, b, eb.secretKey, a));
  return { ab, ba };
}

const app = (s: string): ChannelMessage => ({ t: 'app', data: new TextEncoder().encode(s) });
const text = (m: ChannelMessage) => (m.t === 'app' ? new TextDecoder().decode(m.data) : m.t);
const codeOf = async (p: Promise<unknown>) => p.then(() => undefined, (e: { code: string }) => e.code);

describe('pairwise channel', () => {
  it('seals and opens in both directions', async () => {
    const { ab, ba } = await pair();
    expect((await ba.open(await ab.seal(app('hi')))).map(text)).toEqual(['hi']);
    expect((await ab.open(await ba.seal(app('yo')))).map(text)).toEqual(['yo']);
  });

  it('never reuses a nonce: counters strictly increase, identical plaintexts give distinct ciphertexts', async () => {
    const { ab } = await pair();
    const sealed = await Promise.all(Array.from({ length: 200 }, () => ab.seal(app('same'))));
    expect(sealed.map((s) => s.ctr)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(new Set(sealed.map((s) => toHex(s.ct))).size).toBe(200);
  });

  it('rejects replays and delivers reordered messages in order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 9 }), { minLength: 1, maxLength: 30 }), async (order) => {
        const { ab, ba } = await pair();
        const sealed = await Promise.all(Array.from({ length: 10 }, (_, i) => ab.seal(app(`m${i}`))));
        const got: string[] = [];
        const seen = new Set<number>();
        for (const i of order) {
          const r = ba.open(sealed[i]!);
          if (seen.has(i) || i < got.length) {
            expect(await codeOf(r)).toBe('replay');
          } else {
            got.push(...(await r).map(text));
          }
          seen.add(i);
        }
        // Whatever was delivered is a prefix of the sent sequence, in order.
        expect(got).toEqual(Array.from({ length: got.length }, (_, i) => `m${i}`));
      }),
      { numRuns: 40 },
    );
  });

  it('rejects tampering, re-addressing and other rooms', async () => {
    const { ab, ba } = await pair();
    const s = await ab.seal(app('x'));
    const flipped: SealedMessage = { ...s, ct: s.ct.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    expect(await codeOf(ba.open(flipped))).toBe('auth-failed');
    expect(await codeOf(ba.open({ ...s, ctr: s.ctr + 1 }))).toBe('auth-failed');
    expect(await codeOf(ba.open({ ...s, to: 'carol' }))).toBe('misrouted');
    expect(await codeOf(ba.open({ ...s, id: 'carol' }))).toBe('misrouted');
    expect(await codeOf(ba.open({ ...s, room: 'other' }))).toBe('misrouted');
    // The genuine message still opens: failures changed nothing.
    expect((await ba.open(s)).map(text)).toEqual(['x']);
    // A message sealed in the other direction does not open as if it came from the peer.
    await ba.seal(app('y0'));
    const back = await ba.seal(app('y1')); // ctr 1: the next counter bob expects from alice
    expect(await codeOf(ba.open({ ...back, id: 'alice', to: 'bob' }))).toBe('auth-failed');
  });

  it('bounds the reorder buffer', async () => {
    const { ab, ba } = await pair();
    const sealed = await Promise.all(Array.from({ length: REORDER_LIMIT + 2 }, () => ab.seal(app('m'))));
    for (let i = 1; i <= REORDER_LIMIT; i++) expect(await ba.open(sealed[i]!)).toEqual([]);
    expect(await codeOf(ba.open(sealed[REORDER_LIMIT + 1]!))).toBe('reorder-overflow');
    expect((await ba.open(sealed[0]!)).length).toBe(REORDER_LIMIT + 1);
  });

  it('refuses to work after close', async () => {
    const { ab, ba } = await pair();
    const s = await ab.seal(app('x'));
    ab.close();
    ba.close();
    expect(await codeOf(ab.seal(app('x')))).toBe('closed');
    expect(await codeOf(ba.open(s))).toBe('closed');
  });
});
