import { afterEach, describe, expect, it } from 'vitest';
import { MemorySignalingHub } from '../../src/testing/index.js';
import { closeAll, hoarderOpens, member, openFrame, room, sealFrame, settle, until, type Member } from './helpers.js';

let live: Member[] = [];
afterEach(async () => {
  await closeAll(live);
  live = [];
});

const allDelivered = (ms: Member[], n: number) => () =>
  ms.every((m) => m.session.peers.size === n - 1 && m.delivered > 0 && m.sink.sendKid !== undefined);

describe('join', () => {
  it('a joiner cannot open frames sealed before it joined, but opens those sealed after', async () => {
    const { hub, members } = await room(2);
    live = [...members];
    const [a, b] = members as [Member, Member];
    const before = await sealFrame(a, 'before');
    const beforeKid = a.sink.sendKid!;
    const epochBefore = a.session.epoch;
    const c = member(hub, 'm2');
    live.push(c);
    a.delivered = b.delivered = 0;
    await c.session.start();
    await until(hub, live, allDelivered(live, 3));
    expect(a.session.epoch).toBeGreaterThan(epochBefore);
    expect(a.sink.sendKid).not.toBe(beforeKid);
    expect(await openFrame(c, before)).toBe('error:unknown-key');
    expect(await hoarderOpens(c, before, beforeKid)).toBe(false);
    expect(await openFrame(b, before)).toBe('before'); // the existing member still can
    const after = await sealFrame(a, 'after');
    expect(await openFrame(c, after)).toBe('after');
    expect(await openFrame(b, after)).toBe('after');
    for (const m of live) expect(m.errors).toEqual([]);
  });

  it('the call code changes on every membership change and all members agree', async () => {
    const { hub, members } = await room(2);
    live = [...members];
    const code2 = members[0]!.session.callCode;
    const c = member(hub, 'm2');
    live.push(c);
    await c.session.start();
    await until(hub, live, allDelivered(live, 3));
    const code3 = c.session.callCode;
    expect(code3).not.toBe(code2);
    expect(new Set(live.map((m) => m.session.callCode))).toEqual(new Set([code3]));
    await c.session.close();
    await until(hub, members, () => members.every((m) => m.session.peers.size === 1));
    expect(members[0]!.session.callCode).toBe(members[1]!.session.callCode);
    expect(members[0]!.session.callCode).not.toBe(code3);
  });
});

describe('leave', () => {
  for (const how of ['bye', 'transport'] as const) {
    it(`after a leave (${how}) every remaining sender switches to a fresh key the leaver cannot open`, async () => {
      const { hub, members } = await room(3);
      live = [...members];
      const [a, b, gone] = members as [Member, Member, Member];
      const oldKid = a.sink.sendKid!;
      const inFlight = await sealFrame(a, 'in flight');
      const epochs = [a.session.epoch, b.session.epoch];
      const left: string[] = [];
      a.session.on('peer-left', (p) => left.push(p.id));
      if (how === 'bye') await gone.session.close();
      else hub.disconnect(gone.id); // the leaver's session keeps running, cut off
      await until(hub, [a, b], () => a.session.epoch > epochs[0]! && b.session.epoch > epochs[1]!);
      await settle(hub, [a, b]);
      expect(left).toEqual([gone.id]);
      expect(a.session.peers.has(gone.id)).toBe(false);
      const after = await sealFrame(a, 'after leave');
      expect(a.sink.sendKid).not.toBe(oldKid);
      expect(await openFrame(b, after)).toBe('after leave');
      expect(await hoarderOpens(gone, after, a.sink.sendKid!)).toBe(false);
      // The frame sealed just before the switch still opens during the overlap.
      expect(await openFrame(b, inFlight)).toBe('in flight');
      // Keys of the departed sender are gone from the remaining members.
      expect(gone.keysSeen.filter((k) => b.ctx.hasKey(k.kid) && b.sink.participantOf(k.kid) === gone.id)).toEqual([]);
      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
    });
  }

  it('removes a superseded receive key after the overlap', async () => {
    const { hub, members } = await room(3, { overlapMs: 20, switchTimeoutMs: 20 });
    live = [...members];
    const [a, b, c] = members as [Member, Member, Member];
    const oldKid = a.sink.sendKid!;
    expect(b.ctx.hasKey(oldKid)).toBe(true);
    await c.session.close();
    await until(hub, [a, b], () => !b.ctx.hasKey(oldKid));
    expect(b.ctx.hasKey(a.sink.sendKid!)).toBe(true);
  });

  it('switches after the timeout when a member never acknowledges', async () => {
    const hub = new MemorySignalingHub();
    const { members } = await room(3, { switchTimeoutMs: 30 }, hub);
    live = [...members];
    const [a, b, c] = members as [Member, Member, Member];
    // From now on b's messages to a vanish (acks included); c leaves to trigger a rekey.
    hub.intercept((env) => (env.from === b.id && env.to === a.id ? null : undefined));
    const epoch = a.session.epoch;
    await c.session.close();
    await until(hub, [a, b], () => a.session.epoch > epoch);
    const f = await sealFrame(a, 'late');
    expect(await openFrame(b, f)).toBe('late');
  });
});

describe('periodic rekey', () => {
  it('every sender moves to a new epoch on its own and frames keep flowing', async () => {
    const { hub, members } = await room(3, { rekeyIntervalMs: 40 });
    live = [...members];
    const start = members.map((m) => m.session.epoch);
    await until(hub, members, () => members.every((m, i) => m.session.epoch >= start[i]! + 2));
    await settle(hub, members);
    for (const a of members) {
      const f = await sealFrame(a, 'x');
      for (const b of members) if (b !== a) expect(await openFrame(b, f)).toBe('x');
    }
    for (const m of members) expect(m.errors).toEqual([]);
  });
});
