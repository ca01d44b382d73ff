/**
 * Test rig for the key layer: N sessions over a MemorySignalingHub, each with a real
 * SFrameContext behind a MediaKeySink adapter, and a probe that seals/opens frames.
 */
import { SFrameContext } from '../../src/sframe/index.js';
import {
  createIdentity,
  GroupKeySession,
  sframeContextSink,
  type GroupKeySessionOptions,
  type Identity,
  type SFrameContextSink,
  type IdentityChange,
} from '../../src/keys/index.js';
import type { SealError } from '../../src/errors.js';
import { MemorySignalingHub, type MemorySignaling } from '../../src/testing/index.js';

export const ROOM = 'room-1';

export interface Member {
  id: string;
  identity: Identity;
  signaling: MemorySignaling;
  session: GroupKeySession;
  ctx: SFrameContext;
  sink: SFrameContextSink;
  errors: SealError[];
  delivered: number;
  epochs: number[];
  identityChanges: IdentityChange[];
  /** Every base key this member's sink was handed, with its KID (transcript searches, leaver attacks). */
  keysSeen: { kid: bigint; key: Uint8Array }[];
}

export type MemberOptions = Partial<Omit<GroupKeySessionOptions, 'signaling' | 'keySink'>>;

/** Create (not start) a member on `hub`. */
export function member(hub: MemorySignalingHub, id: string, opts: MemberOptions = {}): Member {
  const ctx = new SFrameContext();
  const inner = sframeContextSink(ctx);
  const keysSeen: { kid: bigint; key: Uint8Array }[] = [];
  const sink: SFrameContextSink = {
    get sendKid() {
      return inner.sendKid;
    },
    participantOf: (kid) => inner.participantOf(kid),
    flush: () => inner.flush(),
    setSendKey(kid, key) {
      keysSeen.push({ kid, key: new Uint8Array(key) });
      inner.setSendKey(kid, key);
    },
    addReceiveKey(pid, kid, key) {
      keysSeen.push({ kid, key: new Uint8Array(key) });
      inner.addReceiveKey(pid, kid, key);
    },
    removeKey: (kid) => inner.removeKey(kid),
  };
  const identity = opts.identity ?? createIdentity({ displayName: `user ${id}` });
  const signaling = hub.connect(id);
  const session = new GroupKeySession({
    roomId: ROOM, switchTimeoutMs: 200, overlapMs: 100, rekeyIntervalMs: 0,
    ...opts, identity, signaling, keySink: sink,
  });
  const m: Member = { id, identity, signaling, session, ctx, sink, errors: [], delivered: 0, epochs: [], keysSeen, identityChanges: [] };
  session.on('identity-changed', (c) => m.identityChanges.push(c));
  session.on('error', (e) => m.errors.push(e));
  session.on('keys-delivered', () => m.delivered++);
  session.on('epoch', (e) => m.epochs.push(e));
  return m;
}

/** Start `n` members (ids m0…), settle, and return them. */
export async function room(n: number, opts: MemberOptions = {}, hub = new MemorySignalingHub()) {
  const members = Array.from({ length: n }, (_, i) => member(hub, `m${i}`, opts));
  await Promise.all(members.map((m) => m.session.start()));
  await settle(hub, members);
  return { hub, members };
}

/** Let every queued message and task play out; then flush the sinks. */
export async function settle(hub: MemorySignalingHub, members: readonly Member[]): Promise<void> {
  await hub.settle(members.map((m) => m.session));
  await Promise.all(members.map((m) => m.sink.flush()));
}

const META = new Uint8Array([0xde, 0xad]);

/** Seal a frame with the member's current send key. */
export async function sealFrame(m: Member, text: string): Promise<Uint8Array> {
  const kid = m.sink.sendKid;
  if (kid === undefined) throw new Error(`${m.id} has no send key`);
  return m.ctx.encrypt(kid, META, new TextEncoder().encode(text));
}

/** Try to open a frame at `m`; the plaintext, or the failure code. */
export async function openFrame(m: Member, frame: Uint8Array): Promise<string> {
  try {
    const { plaintext } = await m.ctx.decrypt(META, frame);
    return new TextDecoder().decode(plaintext);
  } catch (e) {
    return `error:${(e as SealError).code}`;
  }
}

/** Wait for one event, with the hub settling in between (bounded). */
export async function until(hub: MemorySignalingHub, members: readonly Member[], cond: () => boolean, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds && !cond(); i++) {
    await settle(hub, members);
    if (!cond()) await new Promise((r) => setTimeout(r, 10));
  }
  if (!cond()) throw new Error('condition not reached');
}

export async function closeAll(members: readonly Member[]): Promise<void> {
  await Promise.all(members.map((m) => m.session.close()));
}

/**
 * What a participant who kept every key it was ever given can open: a fresh context holding
 * all of them, each under its own KID and also under the frame's KID (rules out key reuse).
 */
export async function hoarderOpens(m: Member, frame: Uint8Array, frameKid: bigint): Promise<boolean> {
  for (const { kid, key } of m.keysSeen) {
    for (const k of new Set([kid, frameKid])) {
      const ctx = new SFrameContext();
      await ctx.addDecryptKey(k, key);
      const ok = await ctx.decrypt(META, frame).then(() => true, () => false);
      if (ok) return true;
    }
  }
  return false;
}
