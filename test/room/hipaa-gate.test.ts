/**
 * The key session's lobby gate on its own (`holdKeys` / `releaseKeys` / `removePeer`): a held
 * peer gets no key and does not hold up the others' key switches; released, it gets only a key
 * ratcheted at release; removed, the others switch to a fresh key it never sees.
 */
import { describe, expect, it } from 'vitest';
import { createIdentity, GroupKeySession } from '../../src/keys/index.js';
import { MemorySignalingHub } from '../../src/testing/index.js';
import { until } from './fakes.js';
import { CryptoController, frameFrom, openWith } from './hipaa-helpers.js';

function member(hub: MemorySignalingHub, id: string, hold: (peerId: string) => boolean = () => false) {
  const controller = new CryptoController();
  const session = new GroupKeySession({
    roomId: 'gate', identity: createIdentity(), signaling: hub.connect(id), keySink: controller, rekeyIntervalMs: 0,
    holdKeys: (p) => hold(p.id),
  });
  return { id, session, controller };
}

describe('key session lobby gate', () => {
  it('holds, releases with a ratchet, and removes with a rekey', async () => {
    const hub = new MemorySignalingHub();
    const a = member(hub, 'a', (p) => p === 'c');
    const b = member(hub, 'b', (p) => p === 'c');
    const c = member(hub, 'c');
    await a.session.start();
    await b.session.start();
    await until(() => b.controller.kidsOf('a').includes(a.controller.sendKid!) && a.controller.kidsOf('b').includes(b.controller.sendKid!), 'a and b keyed');
    await c.session.start();
    await until(() => a.session.peers.has('c') && b.session.peers.has('c'), 'c authenticated');
    await hub.settle([a.session, b.session, c.session]);
    expect(c.controller.receive.size).toBe(0);
    expect(await openWith(c, await frameFrom(a))).toBe('error:unknown-key');
    const before = a.controller.sendKid;

    await a.session.releaseKeys('c');
    await until(() => c.controller.kidsOf('a').includes(a.controller.sendKid!), 'c holds a’s key');
    expect(c.controller.receive.has(before!)).toBe(false); // ratcheted at release, not the key used before
    expect(c.controller.kidsOf('b')).toEqual([]); // b has not released it
    expect(await openWith(c, await frameFrom(a, 'hi'))).toBe('hi');

    const kidWithC = a.controller.sendKid;
    await a.session.removePeer('c');
    await until(() => a.controller.sendKid !== kidWithC && b.controller.kidsOf('a').includes(a.controller.sendKid!), 'a re-keyed without c');
    expect(await openWith(c, await frameFrom(a, 'later'))).toBe('error:unknown-key');
    expect(await openWith(b, await frameFrom(a, 'later'))).toBe('later');
    for (const m of [a, b, c]) await m.session.close();
  });

  it('a held peer does not hold up a key switch: with only held peers left, the rekey switches at once', async () => {
    const hub = new MemorySignalingHub();
    const a = member(hub, 'a', (p) => p === 'c');
    const b = member(hub, 'b');
    const c = member(hub, 'c');
    for (const m of [a, b, c]) await m.session.start();
    await until(() => a.session.peers.size === 2 && b.controller.kidsOf('a').includes(a.controller.sendKid!), 'keyed');
    await hub.settle([a.session, b.session, c.session]);
    const epochs: number[] = [];
    a.session.on('epoch', (e) => epochs.push(e));
    await a.session.removePeer('b');
    // The fresh key is switched to inside the same queued step: no wait for c's ack (c never gets it).
    expect(epochs).toHaveLength(1);
    expect(c.controller.kidsOf('a')).toEqual([]);
    for (const m of [a, b, c]) await m.session.close();
  });
});
