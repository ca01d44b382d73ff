/** KID slot collisions: forced by making the first two sessions draw the same random slot. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseKid } from '../../src/keys/kid.js';
import { MemorySignalingHub } from '../../src/testing/index.js';
import { closeAll, member, settle, type Member } from './helpers.js';

const FORCED = 0x4242;
let forcedDraws = 0;
vi.mock('../../src/keys/crypto.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/keys/crypto.js')>();
  return {
    ...orig,
    randomBytes: (n: number) => {
      if (n !== 2 || forcedDraws === 0) return orig.randomBytes(n);
      forcedDraws--;
      return new Uint8Array([FORCED >> 8, FORCED & 0xff]);
    },
  };
});

let live: Member[] = [];
afterEach(async () => {
  await closeAll(live);
  live = [];
});

describe('KID slot collisions', () => {
  it('the higher id picks a new slot; everyone converges on distinct KIDs owned by the right sender', async () => {
    const hub = new MemorySignalingHub();
    forcedDraws = 2;
    const ms = ['m0', 'm1', 'm2'].map((id) => member(hub, id));
    live = ms;
    expect(forcedDraws).toBe(0);
    await Promise.all(ms.map((m) => m.session.start()));
    for (let i = 0; i < 5; i++) await settle(hub, ms);
    const slots = ms.map((m) => parseKid(Number(m.sink.sendKid!)).slot);
    expect(slots[0]).toBe(FORCED); // the lower id kept its slot
    expect(new Set(slots).size).toBe(3);
    const codes = ms.flatMap((m) => m.errors.map((e) => e.code));
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 'kid-conflict')).toBe(true);
    for (const a of ms) for (const b of ms) if (a !== b) expect(b.sink.participantOf(a.sink.sendKid!)).toBe(a.id);
    expect(ms.every((m) => m.delivered > 0)).toBe(true);
  });
});
