/**
 * Chat keyed by the real group key schedule: `ChatKeyring` as the `keySink` of real
 * `GroupKeySession`s over an in-memory relay. A late joiner cannot read chat from before it
 * joined; everyone reads what follows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GroupKeySession, createIdentity } from '../../../src/keys/index.js';
import type { Identity } from '../../../src/keys/index.js';
import { ChatError, ChatKeyring } from '../../../src/room/chat/index.js';
import { MemorySignalingHub } from '../../../src/testing/index.js';

interface Party {
  id: string;
  identity: Identity;
  session: GroupKeySession;
  ring: ChatKeyring;
  errors: unknown[];
  delivered: number;
}

let live: Party[] = [];
afterEach(async () => {
  await Promise.all(live.map((p) => p.session.close()));
  for (const p of live) p.ring.close();
  live = [];
});

function party(hub: MemorySignalingHub, id: string): Party {
  const identity = createIdentity({ displayName: id });
  const errors: unknown[] = [];
  let session: GroupKeySession | undefined;
  const ring = new ChatKeyring({
    senderId: id,
    signer: identity,
    identityKeyOf: (pid) => session?.peers.get(pid)?.identityKey,
    onError: (e) => errors.push(e),
  });
  session = new GroupKeySession({
    roomId: 'room-chat',
    identity,
    signaling: hub.connect(id),
    keySink: ring,
    switchTimeoutMs: 200,
    overlapMs: 100,
    rekeyIntervalMs: 0,
  });
  const p: Party = { id, identity, session, ring, errors, delivered: 0 };
  session.on('error', (e) => errors.push(e));
  session.on('keys-delivered', () => p.delivered++);
  live.push(p);
  return p;
}

/** Settle the relay until `cond` holds (bounded rounds, no timed assertion). */
async function until(hub: MemorySignalingHub, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) {
    await hub.settle(live.map((p) => p.session));
    await Promise.all(live.map((p) => p.ring.flush()));
    if (!cond()) await new Promise((r) => setTimeout(r, 10));
  }
  if (!cond()) throw new Error('condition not reached');
}

const text = (s: string) => new TextEncoder().encode(s);
const code = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (e instanceof ChatError ? e.code : `other:${String(e)}`));

describe('ChatKeyring over the real key schedule', () => {
  it('a late joiner cannot read chat sealed before it joined; everyone reads chat sealed after', async () => {
    const hub = new MemorySignalingHub();
    const alice = party(hub, 'alice');
    const bob = party(hub, 'bob');
    await Promise.all([alice.session.start(), bob.session.start()]);
    const all = (ps: Party[], n: number) => () => ps.every((p) => p.session.peers.size === n - 1 && p.delivered > 0);
    await until(hub, all([alice, bob], 2));

    const before = await alice.ring.seal(text('said before carol joined'), 'text');
    const beforeCopy = await alice.ring.seal(text('also before'), 'text');
    expect((await bob.ring.open(before)).text).toBe('said before carol joined');

    const carol = party(hub, 'carol');
    alice.delivered = bob.delivered = 0;
    await carol.session.start();
    await until(hub, all([alice, bob, carol], 3));

    expect(await code(carol.ring.open(beforeCopy))).toBe('unknown-key');
    expect((await bob.ring.open(beforeCopy)).text).toBe('also before'); // an existing member still can

    const after = await alice.ring.seal(text('said after carol joined'), 'text');
    expect((await carol.ring.open(after)).text).toBe('said after carol joined');
    expect((await bob.ring.open(after)).text).toBe('said after carol joined');
    const fromCarol = await carol.ring.seal(text('hello from carol'), 'text');
    expect((await alice.ring.open(fromCarol)).senderId).toBe('carol');
    for (const p of live) expect(p.errors).toEqual([]);
  });

  it('a departed member’s chat keys are removed from the others', async () => {
    const hub = new MemorySignalingHub();
    const alice = party(hub, 'alice');
    const bob = party(hub, 'bob');
    await Promise.all([alice.session.start(), bob.session.start()]);
    await until(hub, () => alice.session.peers.size === 1 && bob.session.peers.size === 1 && alice.delivered > 0 && bob.delivered > 0);
    const late = await bob.ring.seal(text('x'), 'text');
    await bob.session.close();
    live = live.filter((p) => p !== bob);
    bob.ring.close();
    await until(hub, () => alice.session.peers.size === 0);
    expect(await code(alice.ring.open(late))).toBe('unknown-key');
  });
});
