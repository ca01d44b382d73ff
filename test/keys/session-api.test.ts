import { afterEach, describe, expect, it } from 'vitest';
import { GroupKeySession, KeyError, sframeContextSink, type MediaKeySink } from '../../src/keys/index.js';
import { ReceiveKeys, SenderKeys } from '../../src/keys/schedule.js';
import { makeKid, parseKid } from '../../src/keys/kid.js';
import { SFrameContext } from '../../src/sframe/index.js';
import { closeAll, room, settle, type Member } from './helpers.js';

let live: Member[] = [];
afterEach(async () => {
  await closeAll(live);
  live = [];
});

const syncCode = (f: () => unknown) => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as KeyError).code;
  }
};

describe('sendToPeer / peer-message', () => {
  it('delivers application bytes to the right peer, in order, inside the channel', async () => {
    const { hub, members } = await room(3);
    live = members;
    const [a, b, c] = members as [Member, Member, Member];
    const got: string[] = [];
    b.session.on('peer-message', (from, data) => got.push(`${from}:${new TextDecoder().decode(data)}`));
    const cGot: string[] = [];
    c.session.on('peer-message', (from) => cGot.push(from));
    for (let i = 0; i < 50; i++) a.session.sendToPeer('m1', new TextEncoder().encode(`sdp ${i}`));
    await settle(hub, members);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `m0:sdp ${i}`));
    expect(cGot).toEqual([]);
    const plain = new TextEncoder().encode('sdp 7');
    const onWire = hub.transcript.some((e) => Buffer.from(e.data).includes(Buffer.from(plain)));
    expect(onWire).toBe(false);
  });

  it('throws typed errors for unknown peers, oversize data and after close', async () => {
    const { members } = await room(2);
    live = members;
    const a = members[0]!;
    expect(syncCode(() => a.session.sendToPeer('nobody', new Uint8Array(1)))).toBe('not-connected');
    expect(syncCode(() => a.session.sendToPeer('m1', new Uint8Array(60_001)))).toBe('message-too-large');
    await a.session.close();
    expect(syncCode(() => a.session.sendToPeer('m1', new Uint8Array(1)))).toBe('closed');
  });

});

describe('close', () => {
  it('is idempotent, tells peers, and removes every key it put in the sink', async () => {
    const { hub, members } = await room(3);
    live = members;
    const [a, b] = members as [Member, Member];
    const kids = a.keysSeen.map((k) => k.kid).filter((k) => a.ctx.hasKey(k));
    expect(kids.length).toBeGreaterThan(0);
    await Promise.all([a.session.close(), a.session.close()]);
    await a.session.close();
    await a.sink.flush();
    expect(kids.filter((k) => a.ctx.hasKey(k))).toEqual([]);
    expect(a.session.peers.size).toBe(0);
    await settle(hub, members.slice(1));
    expect(b.session.peers.has('m0')).toBe(false);
    await expect(a.session.start()).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('KID slots', () => {
  it('layout: 16-bit slot, 16-bit wrapping epoch', () => {
    expect(makeKid(0x1234, 2)).toBe(0x1234_0002);
    expect(makeKid(0xffff, 0x1_0001)).toBe(0xffff_0001);
    expect(parseKid(0xabcd_0102)).toEqual({ slot: 0xabcd, epoch: 0x0102 });
    expect(() => makeKid(0x1_0000, 0)).toThrow(RangeError);
    expect(() => makeKid(1, -1)).toThrow(RangeError);
  });

  it('SenderKeys: ratchets a used key on join, reuses an unused pending one, zeroes retired keys', async () => {
    const calls: string[] = [];
    const sink: MediaKeySink = {
      setSendKey: (kid) => calls.push(`send ${kid}`),
      addReceiveKey: () => {},
      removeKey: (kid) => calls.push(`remove ${kid}`),
    };
    const k = new SenderKeys(sink);
    const first = k.fresh();
    const firstKey = first.key;
    expect(await k.forJoin()).toBe(first); // unused: no ratchet needed
    k.switchNow();
    const second = await k.forJoin(); // used: ratchet
    expect(second.epoch).toBe(first.epoch + 1);
    expect(second.key).not.toEqual(firstKey);
    k.switchNow();
    expect(firstKey.every((b) => b === 0)).toBe(true);
    expect(calls).toEqual([`send ${BigInt(first.kid)}`, `send ${BigInt(second.kid)}`, `remove ${BigInt(first.kid)}`]);
    k.destroy();
    expect(second.key.every((b) => b === 0)).toBe(true);
  });

  it('a slot conflict evicts only the loser\'s keys in that slot, not its key in the slot it moved to', () => {
    const removed: bigint[] = [];
    const r = new ReceiveKeys({ setSendKey: () => {}, addReceiveKey: () => {}, removeKey: (k) => removed.push(k) });
    // m1 first announced slot 7, then (having lost the conflict elsewhere) moved to slot 9; its slot-9
    // key reaches this member before m0's slot-7 key does.
    r.add('m1', makeKid(7, 0), new Uint8Array(32));
    r.add('m1', makeKid(9, 0), new Uint8Array(32));
    expect(r.resolveSlot('m0', makeKid(7, 0), 3, 'm2')).toBe('ok');
    expect(removed).toEqual([BigInt(makeKid(7, 0))]);
    expect(r.has('m1', makeKid(9, 0))).toBe(true);
    expect(r.latest('m1')).toBe(makeKid(9, 0));
  });

  it('ReceiveKeys keeps a bounded number of keys per sender', () => {
    const removed: bigint[] = [];
    const r = new ReceiveKeys({ setSendKey: () => {}, addReceiveKey: () => {}, removeKey: (k) => removed.push(k) });
    for (let e = 0; e < 10; e++) r.add('p', makeKid(5, e), new Uint8Array(32));
    expect(removed.length).toBe(10 - ReceiveKeys.MAX_PER_PEER);
    expect(r.latest('p')).toBe(makeKid(5, 9));
  });
});

describe('sframeContextSink', () => {
  it('applies operations in order and copies key bytes at call time', async () => {
    const ctx = new SFrameContext();
    const sink = sframeContextSink(ctx);
    const key = new Uint8Array(32).fill(3);
    sink.setSendKey(7n, key);
    sink.addReceiveKey('p', 8n, key);
    key.fill(0);
    await sink.flush();
    expect(sink.sendKid).toBe(7n);
    expect(sink.participantOf(8n)).toBe('p');
    expect(ctx.hasKey(7n) && ctx.hasKey(8n)).toBe(true);
    const peer = new SFrameContext();
    await peer.addDecryptKey(7n, new Uint8Array(32).fill(3));
    const f = await ctx.encrypt(7n, new Uint8Array(0), new Uint8Array([1]));
    expect((await peer.decrypt(new Uint8Array(0), f)).plaintext).toEqual(new Uint8Array([1]));
    sink.removeKey(8n);
    await sink.flush();
    expect(ctx.hasKey(8n)).toBe(false);
  });

  it('surfaces a context failure from flush()', async () => {
    const sink = sframeContextSink({
      addEncryptKey: () => Promise.reject(new Error('boom')),
      addDecryptKey: () => Promise.resolve(),
      removeKey: () => {},
    });
    sink.setSendKey(1n, new Uint8Array(32));
    await expect(sink.flush()).rejects.toThrow('boom');
  });
});


describe('restart', () => {
  it('a peer that comes back with the same identity and a new X25519 key replaces its old session', async () => {
    const { hub, members } = await room(2);
    live = members;
    const [a, b] = members as [Member, Member];
    const events: string[] = [];
    a.session.on('peer-left', (p) => events.push(`left ${p.id}`));
    a.session.on('peer-joined', (p) => events.push(`joined ${p.id}`));
    const oldSafety = a.session.peers.get('m1')!.safetyNumber;
    // m1's app restarts: same identity, same id, a new session on a transport that lost no presence event.
    let hear: ((from: string, data: Uint8Array) => void) | undefined;
    hub.intercept((env) => {
      if (env.to === 'm1' || (env.to === '*' && env.from === 'm0')) hear?.(env.from, env.data);
      return env.to === 'm1' ? null : undefined;
    });
    const again = new GroupKeySession({
      roomId: 'room-1', identity: b.identity, rekeyIntervalMs: 0,
      signaling: {
        localId: 'm1',
        send: (to, data) => hub.inject({ from: 'm1', to: to === '*' ? 'm0' : to, data }),
        onMessage: (l) => {
          hear = l;
          return () => (hear = undefined);
        },
      },
      keySink: { setSendKey: () => {}, addReceiveKey: () => {}, removeKey: () => {} },
    });
    await again.start();
    for (let i = 0; i < 3; i++) await hub.settle([again, a.session]);
    expect(events).toEqual(['left m1', 'joined m1']);
    expect(a.session.peers.get('m1')!.identityKey).toEqual(b.identity.publicKey);
    expect(a.session.peers.get('m1')!.safetyNumber).not.toBe(oldSafety); // new X25519 key
    expect(again.peers.has('m0')).toBe(true);
    expect(a.errors).toEqual([]);
    await again.close();
  });
});
