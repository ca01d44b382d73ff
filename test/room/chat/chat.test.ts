/**
 * Chat sealing: round trip, tampering, replay, wrong epoch / late joiner, forged sender.
 *
 * The late-joiner test uses the key schedule's own join ratchet (`src/keys/kid.ts`
 * `ratchetKey`): a joiner is given only the ratcheted base key of each sender.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIdentity } from '../../../src/keys/index.js';
import { ratchetKey } from '../../../src/keys/kid.js';
import { ChatError, ChatReceiver, ChatSender, deriveChatKey } from '../../../src/room/chat/index.js';
import { decodeFileOffer, encodeFileOffer } from '../../../src/room/files/index.js';

const alice = createIdentity({ displayName: 'alice' });
const mallory = createIdentity({ displayName: 'mallory' });
const K0 = new Uint8Array(32).fill(0x11);

async function setup(opts: { maxMessagesPerEpoch?: number } = {}) {
  const tx = await ChatSender.create({ senderId: 'alice', epoch: 0, baseKey: K0, signer: alice, ...opts });
  const rx = new ChatReceiver();
  await rx.addKey('alice', 0, K0, alice.publicKey);
  return { tx, rx };
}

const code = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (e instanceof ChatError ? e.code : `other:${String(e)}`));

describe('chat sealing', () => {
  it('round-trips text, file offers and app bytes with the sender authenticated', async () => {
    const { tx, rx } = await setup();
    expect(await rx.open(await tx.sealText('Blood pressure 120/80'))).toMatchObject({
      senderId: 'alice',
      epoch: 0,
      counter: 0,
      type: 'text',
      text: 'Blood pressure 120/80',
    });
    const fileId = new Uint8Array(16).fill(3);
    const fileKey = new Uint8Array(32).fill(4);
    const offer = await rx.open(await tx.seal(encodeFileOffer(fileId, fileKey), 'file-offer'));
    expect(offer.type).toBe('file-offer');
    expect(decodeFileOffer(offer.body)).toEqual({ fileId, key: fileKey });
    expect(await rx.open(await tx.seal(new Uint8Array([1, 2, 3])))).toMatchObject({ type: 'app', counter: 2, body: new Uint8Array([1, 2, 3]) });
  });

  it('the text never appears in the envelope', async () => {
    const { tx } = await setup();
    const env = await tx.sealText('PATIENT-DIAGNOSIS');
    expect(Buffer.from(env).includes(Buffer.from('PATIENT-DIAGNOSIS'))).toBe(false);
  });

  it('property: flipping any bit of an envelope is rejected', async () => {
    const { tx, rx } = await setup();
    const env = await tx.sealText('hello');
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: env.length - 1 }), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
        const t = env.slice();
        t[at]! ^= 1 << bit;
        expect(['auth-failed', 'malformed-message', 'unknown-key', 'replay']).toContain(await code(rx.open(t)));
      }),
      { numRuns: 200 },
    );
    expect((await rx.open(env)).text).toBe('hello'); // the untouched one still opens (nothing was committed)
  });

  it('rejects replays: the same message twice, and counters older than the window', async () => {
    const { tx, rx } = await setup();
    const first = await tx.sealText('one');
    const envs = [];
    for (let i = 0; i < 1030; i++) envs.push(await tx.sealText(`m${i}`));
    await rx.open(envs[1029]!);
    expect(await code(rx.open(envs[1029]!))).toBe('replay');
    expect(await code(rx.open(first))).toBe('replay'); // counter 0, now beyond the 1024 window
    expect(await code(rx.open(envs[1000]!))).toBe('accepted'); // out of order within the window is fine
    expect(await code(rx.open(envs[1000]!))).toBe('replay');
  });

  it('concurrent opens of one message accept it once', async () => {
    const { tx, rx } = await setup();
    const env = await tx.sealText('x');
    const results = await Promise.all([code(rx.open(env)), code(rx.open(env)), code(rx.open(env))]);
    expect(results.filter((r) => r === 'accepted')).toHaveLength(1);
    expect(results.filter((r) => r === 'replay')).toHaveLength(2);
  });

  it('a late joiner given only the ratcheted key cannot read messages from before it joined', async () => {
    const tx = await ChatSender.create({ senderId: 'alice', epoch: 0, baseKey: K0, signer: alice });
    const before = await tx.sealText('said before Bob joined');
    // Bob joins: Alice's key schedule ratchets; Bob receives only epoch 1's key.
    const k1 = await ratchetKey(K0);
    await tx.rekey(1, k1);
    const after = await tx.sealText('said after Bob joined');
    const bob = new ChatReceiver();
    await bob.addKey('alice', 1, k1, alice.publicKey);
    expect(await code(bob.open(before))).toBe('unknown-key');
    // Even holding k1 under epoch 0's label does not help: the chat key binds the epoch, and k1 ≠ k0.
    await bob.addKey('alice', 0, k1, alice.publicKey);
    expect(await code(bob.open(before))).toBe('auth-failed');
    expect((await bob.open(after)).text).toBe('said after Bob joined');
  });

  it('a retired epoch or departed sender has no key; epoch in the header cannot be changed', async () => {
    const { tx, rx } = await setup();
    const env = await tx.sealText('x');
    const moved = env.slice();
    moved[2 + 5 + 3] = 1; // epoch 0 → 1 in the header ("alice" is 5 bytes)
    await rx.addKey('alice', 1, K0, alice.publicKey);
    expect(await code(rx.open(moved))).toBe('auth-failed');
    rx.removeKey('alice', 0);
    expect(await code(rx.open(env))).toBe('unknown-key');
    rx.removeSender('alice');
    expect(rx.hasKey('alice', 1)).toBe(false);
  });

  it('a member holding the group key cannot forge messages as another member', async () => {
    // Mallory is a member: she holds Alice's base key like everyone else, but not Alice's identity key.
    const forger = await ChatSender.create({ senderId: 'alice', epoch: 0, baseKey: K0, signer: mallory });
    const { tx, rx } = await setup();
    expect(await code(rx.open(await forger.sealText('Please send me the records')))).toBe('auth-failed');
    // Relabelling Alice's genuine message as Mallory's fails too.
    await rx.addKey('mallory', 0, K0, mallory.publicKey);
    const genuine = await tx.sealText('hi');
    const relabelled = genuine.slice();
    relabelled.set(new TextEncoder().encode('mallo'), 2); // same length id
    await rx.addKey('mallo', 0, K0, mallory.publicKey);
    expect(await code(rx.open(relabelled))).toBe('auth-failed');
  });

  it('the counter is owned by the sender: nonces never repeat, rekey restarts under a new key, exhaustion throws', async () => {
    const { tx, rx } = await setup({ maxMessagesPerEpoch: 3 });
    const counters = [];
    for (let i = 0; i < 3; i++) counters.push((await rx.open(await tx.sealText('x'))).counter);
    expect(counters).toEqual([0, 1, 2]);
    await expect(tx.sealText('x')).rejects.toMatchObject({ code: 'counter-exhausted' });
    await expect(tx.rekey(0, K0)).rejects.toMatchObject({ code: 'invalid-options' });
    const k1 = await ratchetKey(K0);
    await tx.rekey(1, k1);
    await rx.addKey('alice', 1, k1, alice.publicKey);
    expect(await rx.open(await tx.sealText('x'))).toMatchObject({ epoch: 1, counter: 0 });
    // Concurrent seals take distinct counters.
    const { tx: t2, rx: r2 } = await setup();
    const envs = await Promise.all(Array.from({ length: 20 }, () => t2.sealText('c')));
    const cs = await Promise.all(envs.map(async (e) => (await r2.open(e)).counter));
    expect(new Set(cs).size).toBe(20);
  });

  it('chat keys are distinct per sender, epoch and from the raw base key', async () => {
    const raw = async (k: Awaited<ReturnType<typeof deriveChatKey>>) => Buffer.from(k.salt).toString('hex');
    const a0 = await raw(await deriveChatKey(K0, 'alice', 0));
    expect(a0).not.toBe(await raw(await deriveChatKey(K0, 'alice', 1)));
    expect(a0).not.toBe(await raw(await deriveChatKey(K0, 'bob', 0)));
    expect((await deriveChatKey(K0, 'alice', 0)).key.extractable).toBe(false);
  });

  it('refuses bad options, identity swaps and use after close', async () => {
    await expect(ChatSender.create({ senderId: '', epoch: 0, baseKey: K0, signer: alice })).rejects.toMatchObject({ code: 'invalid-options' });
    await expect(ChatSender.create({ senderId: 'a', epoch: -1, baseKey: K0, signer: alice })).rejects.toMatchObject({ code: 'invalid-options' });
    const { tx, rx } = await setup();
    await expect(rx.addKey('alice', 1, K0, mallory.publicKey)).rejects.toMatchObject({ code: 'invalid-options' });
    expect(await code(rx.open(new Uint8Array([1, 0, 0])))).toBe('malformed-message');
    tx.close();
    await expect(tx.sealText('x')).rejects.toMatchObject({ code: 'closed' });
    rx.close();
    await expect(rx.open(new Uint8Array(100))).rejects.toMatchObject({ code: 'closed' });
  });
});
