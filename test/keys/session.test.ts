import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openFrame, room, sealFrame, type Member } from './helpers.js';

let live: Member[] = [];
afterEach(async () => {
  await closeAll(live);
  live = [];
});

describe('GroupKeySession: all keys delivered', () => {
  for (const n of [2, 3, 8]) {
    it(`${n} members authenticate each other and every member opens every other member's frames`, async () => {
      const { members } = await room(n);
      live = members;
      for (const m of members) {
        expect(m.errors.map((e) => e.code)).toEqual([]);
        expect(m.session.peers.size).toBe(n - 1);
        expect(m.delivered).toBeGreaterThanOrEqual(1);
      }
      const codes = new Set(members.map((m) => m.session.callCode));
      expect(codes.size).toBe(1);
      for (const a of members) {
        const frame = await sealFrame(a, `from ${a.id}`);
        for (const b of members) {
          if (b === a) continue;
          expect(await openFrame(b, frame)).toBe(`from ${a.id}`);
          expect(b.sink.participantOf(a.sink.sendKid!)).toBe(a.id);
        }
      }
      for (const a of members) {
        for (const b of members) {
          if (a === b) continue;
          const ab = a.session.peers.get(b.id)!;
          const ba = b.session.peers.get(a.id)!;
          expect(ab.safetyNumber).toMatch(/^\d{60}$/);
          expect(ab.safetyNumber).toBe(ba.safetyNumber);
          expect(ab.sas).toBe(ba.sas);
          expect(ab.identityKey).toEqual(b.identity.publicKey);
        }
      }
    });
  }
});
