/**
 * Hostile relay: the transport alters, drops, duplicates, reorders, replays, forges and injects.
 * Each case asserts what happens: which error, which state stays as it was, which keys flow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createIdentity, GroupKeySession, MemoryKnownIdentityStore, withAttestation, attestCard, type Identity } from '../../src/keys/index.js';
import { decodeWire, encodeWire, type WireMessage } from '../../src/protocol/index.js';
import { createEphemeral, transcript } from '../../src/keys/handshake.js';
import { MemorySignalingHub, type Envelope } from '../../src/testing/index.js';
import type { Signaling } from '../../src/signaling/types.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { closeAll, member, openFrame, room, sealFrame, settle, until, type Member } from './helpers.js';

let live: Member[] = [];
afterEach(async () => {
  await closeAll(live);
  live = [];
});

const codes = (m: Member) => new Set(m.errors.map((e) => e.code));
const wireOf = (env: Envelope): WireMessage | undefined => {
  try {
    return decodeWire(env.data);
  } catch {
    return undefined; // not a control message: leave it alone
  }
};
function rewrite(fn: (m: WireMessage, env: Envelope) => WireMessage | undefined) {
  return (env: Envelope) => {
    const m = wireOf(env);
    const out = m && fn(m, env);
    return out ? { ...env, data: encodeWire(out) } : undefined;
  };
}
const snapshot = (m: Member) => ({
  peers: [...m.session.peers.keys()].sort(),
  epoch: m.session.epoch,
  sendKid: m.sink.sendKid,
  callCode: m.session.callCode,
});

describe('(a) key substitution in transit', () => {
  it('swapping the X25519 key in an auth fails the handshake on that pair; no key crosses it', async () => {
    const hub = new MemorySignalingHub();
    const evilEph = new Uint8Array(32).fill(7);
    hub.intercept(rewrite((m) => (m.t === 'auth' && m.id === 'm1' ? { ...m, eph: evilEph } : undefined)));
    const { members } = await room(2, {}, hub);
    live = members;
    const [a, b] = members as [Member, Member];
    expect(codes(a)).toEqual(new Set(['commit-mismatch']));
    expect(a.session.peers.size).toBe(0);
    expect(b.session.peers.size).toBe(1); // b verified a's genuine auth …
    expect(a.keysSeen.filter((k) => a.sink.participantOf(k.kid) !== undefined)).toEqual([]);
    const f = await sealFrame(b, 'x'); // … but a holds none of b's keys
    expect(await openFrame(a, f)).toBe('error:unknown-key');
    expect(b.delivered).toBe(0);
  });

  it('swapping the commitment in a hello makes both signatures fail', async () => {
    const hub = new MemorySignalingHub();
    hub.intercept(rewrite((m) => (m.t === 'hello' && m.id === 'm1' ? { ...m, commit: new Uint8Array(32).fill(1) } : undefined)));
    const { members } = await room(2, {}, hub);
    live = members;
    const [a, b] = members as [Member, Member];
    expect(codes(b)).toContain('bad-signature'); // a signed over the forged commitment
    expect(a.session.peers.size + b.session.peers.size).toBe(0);
  });

  it('swapping the identity key (keeping the signature) fails: against the hello, or against the signature', async () => {
    const mallory = createIdentity();
    const hub = new MemorySignalingHub();
    hub.intercept(rewrite((m) => (m.t === 'auth' && m.id === 'm0' ? { ...m, idk: mallory.publicKey } : undefined)));
    const r1 = await room(2, {}, hub);
    live = r1.members;
    expect(codes(r1.members[1]!)).toEqual(new Set(['commit-mismatch']));
    expect(r1.members[1]!.session.peers.size).toBe(0);
    await closeAll(live);
    // Swapped consistently in the hello too: only the signature can tell.
    const hub2 = new MemorySignalingHub();
    hub2.intercept(rewrite((m) => ((m.t === 'auth' || m.t === 'hello') && m.id === 'm0' ? { ...m, idk: mallory.publicKey } : undefined)));
    const r2 = await room(2, {}, hub2);
    live = r2.members;
    expect(codes(r2.members[1]!)).toEqual(new Set(['bad-signature']));
    expect(r2.members[1]!.session.peers.size).toBe(0);
  });

  describe('full man in the middle with its own identity keys', () => {
    /** Relay-run sessions: mA poses as 'm1' towards m0, mB as 'm0' towards m1. */
    async function mitm(opts: { attestationKey?: Uint8Array; idA?: Identity; idB?: Identity; trust?: MemoryKnownIdentityStore } = {}) {
      const hub = new MemorySignalingHub();
      const toMitm = new Map<string, (from: string, data: Uint8Array) => void>();
      const fake = (localId: string, victim: string): Signaling => ({
        localId,
        send: (_to, data) => hub.inject({ from: localId, to: victim, data }),
        onMessage: (l) => {
          toMitm.set(localId, l);
          return () => toMitm.delete(localId);
        },
      });
      hub.intercept((env) => {
        if (env.from === 'm0' && env.to === 'm1') toMitm.get('m1')?.(env.from, env.data);
        else if (env.from === 'm1' && env.to === 'm0') toMitm.get('m0')?.(env.from, env.data);
        else return undefined;
        return null;
      });
      const evil = [
        { sig: fake('m1', 'm0'), identity: opts.idA ?? createIdentity({ displayName: 'user m1' }) },
        { sig: fake('m0', 'm1'), identity: opts.idB ?? createIdentity({ displayName: 'user m0' }) },
      ].map(({ sig, identity }) => {
        const got: Uint8Array[] = [];
        const s = new GroupKeySession({
          roomId: 'room-1', identity, signaling: sig, rekeyIntervalMs: 0, switchTimeoutMs: 100,
          keySink: { setSendKey: () => {}, addReceiveKey: (_p, _k, key) => got.push(new Uint8Array(key)), removeKey: () => {} },
        });
        return { s, got };
      });
      await Promise.all(evil.map((e) => e.s.start()));
      const a = member(hub, 'm0', { ...(opts.attestationKey ? { attestationKey: opts.attestationKey } : {}), ...(opts.trust ? { trustStore: opts.trust } : {}) });
      const b = member(hub, 'm1', opts.attestationKey ? { attestationKey: opts.attestationKey } : {});
      live = [a, b];
      await Promise.all([a.session.start(), b.session.start()]);
      const idlers = [a.session, b.session, ...evil.map((e) => e.s)];
      for (let i = 0; i < 5; i++) await hub.settle(idlers);
      await settle(hub, live);
      return { a, b, evil, close: () => Promise.all(evil.map((e) => e.s.close())) };
    }

    it('is detected: the safety numbers and call codes of the two real parties differ', async () => {
      const { a, b, evil, close } = await mitm();
      const ab = a.session.peers.get('m1')!;
      const ba = b.session.peers.get('m0')!;
      expect(ab.identityKey).not.toEqual(b.identity.publicKey);
      expect(ab.safetyNumber).not.toBe(ba.safetyNumber);
      expect(ab.sas).not.toBe(ba.sas);
      expect(a.session.callCode).not.toBe(b.session.callCode);
      expect(evil[0]!.got.length).toBeGreaterThan(0); // without verification the interceptor got keys: that is what the numbers are for
      await close();
    });

    it('with app attestation required, the handshake fails and no media key reaches the attacker', async () => {
      const server = ed25519.utils.randomSecretKey();
      const attestationKey = ed25519.getPublicKey(server);
      const { a, b, evil, close } = await mitm({ attestationKey });
      expect(codes(a)).toEqual(new Set(['attestation-failed']));
      expect(codes(b)).toEqual(new Set(['attestation-failed']));
      expect(evil.flatMap((e) => e.got)).toEqual([]);
      expect(a.session.peers.size + b.session.peers.size).toBe(0);
      await close();
    });

    it('with a known identity store, the substituted key raises identity-changed', async () => {
      const trust = new MemoryKnownIdentityStore();
      const realB = createIdentity({ displayName: 'user m1' });
      trust.remember('user m1', realB.publicKey);
      const { a, close } = await mitm({ trust });
      const seen = a.session.peers.get('m1')!.identityKey;
      expect(seen).not.toEqual(realB.publicKey);
      expect(a.identityChanges).toEqual([
        { peerId: 'm1', displayIdentity: 'user m1', previousKey: realB.publicKey, newKey: seen },
      ]);
      await close();
    });
  });

  it('attested peers are admitted and marked attested', async () => {
    const server = ed25519.utils.randomSecretKey();
    const attestationKey = ed25519.getPublicKey(server);
    const hub = new MemorySignalingHub();
    const ids = ['m0', 'm1'].map((id) => {
      const i = createIdentity({ displayName: id });
      return withAttestation(i, attestCard(i.card, server));
    });
    const ms = ids.map((identity, i) => member(hub, `m${i}`, { identity, attestationKey }));
    live = ms;
    await Promise.all(ms.map((m) => m.session.start()));
    await settle(hub, ms);
    expect(ms.every((m) => m.session.peers.size === 1 && [...m.session.peers.values()][0]!.attested)).toBe(true);
  });
});

describe('(b) replay, reorder, drop, duplicate', () => {
  it('duplicating every envelope changes nothing but raises replay errors', async () => {
    const hub = new MemorySignalingHub();
    hub.intercept((env) => [env, env]);
    const { members } = await room(3, {}, hub);
    live = members;
    for (const m of members) {
      expect(m.session.peers.size).toBe(2);
      expect(m.delivered).toBeGreaterThan(0);
      for (const c of codes(m)) expect(c).toBe('replay');
    }
    const f = await sealFrame(members[0]!, 'dup');
    expect(await openFrame(members[2]!, f)).toBe('dup');
  });

  it('replaying the whole transcript afterwards changes no state', async () => {
    const { hub, members } = await room(3);
    live = members;
    const before = members.map(snapshot);
    const joined: string[] = [];
    for (const m of members) m.session.on('peer-joined', (p) => joined.push(p.id));
    for (const env of [...hub.transcript]) hub.inject(env);
    await settle(hub, members);
    expect(members.map(snapshot)).toEqual(before);
    expect(joined).toEqual([]);
    for (const m of members) expect([...codes(m)].every((c) => c === 'replay')).toBe(true);
    expect(members.some((m) => codes(m).has('replay'))).toBe(true);
  });

  it('reordering (each batch delivered backwards) still converges', async () => {
    const hub = new MemorySignalingHub();
    let held: Envelope[] = [];
    hub.intercept((env) => {
      held.push(env);
      return null;
    });
    const ms = ['m0', 'm1', 'm2'].map((id) => member(hub, id));
    live = ms;
    await Promise.all(ms.map((m) => m.session.start()));
    for (let round = 0; round < 200 && !ms.every((m) => m.delivered > 0 && m.session.peers.size === 2); round++) {
      const batch = held.reverse();
      held = [];
      for (const env of batch) hub.inject(env);
      await hub.settle(ms.map((m) => m.session));
    }
    expect(ms.every((m) => m.session.peers.size === 2 && m.delivered > 0)).toBe(true);
    await settle(hub, ms);
    const f = await sealFrame(ms[1]!, 'ok');
    expect(await openFrame(ms[0]!, f)).toBe('ok');
  });

  it('dropping one pair’s traffic leaves that pair unconnected and holding none of each other’s keys', async () => {
    const hub = new MemorySignalingHub();
    const cut = (e: Envelope) => (e.from === 'm0' && e.to === 'm1') || (e.from === 'm1' && e.to === 'm0');
    hub.intercept((env) => (cut(env) ? null : undefined));
    const { members } = await room(3, {}, hub);
    live = members;
    const [a, b, c] = members as [Member, Member, Member];
    expect([...a.session.peers.keys()]).toEqual(['m2']);
    expect([...b.session.peers.keys()]).toEqual(['m2']);
    expect(c.session.peers.size).toBe(2);
    expect(a.keysSeen.some((k) => a.sink.participantOf(k.kid) === 'm1')).toBe(false);
    const f = await sealFrame(c, 'to both');
    expect(await openFrame(a, f)).toBe('to both');
    expect(await openFrame(b, f)).toBe('to both');
    expect(await openFrame(a, await sealFrame(b, 'no'))).toBe('error:unknown-key');
  });
});

describe('(c) forgeries', () => {
  it('a message re-attributed to another sender is rejected and changes nothing', async () => {
    const { hub, members } = await room(3);
    live = members;
    const [a] = members as [Member, Member, Member];
    const before = snapshot(a);
    // m2's sealed traffic to m0, re-labelled as coming from m1 (both the transport and the message field).
    hub.intercept((env) => {
      const m = wireOf(env);
      if (!m || m.t !== 'msg' || env.from !== 'm2' || env.to !== 'm0') return undefined;
      return { ...env, from: 'm1', data: encodeWire({ ...m, id: 'm1' }) };
    });
    members[2]!.session.sendToPeer('m0', new Uint8Array([1, 2, 3]));
    const got: string[] = [];
    a.session.on('peer-message', (from) => got.push(from));
    await settle(hub, members);
    expect(got).toEqual([]);
    expect([...codes(a)].every((c) => c === 'auth-failed' || c === 'replay')).toBe(true);
    expect(codes(a).has('auth-failed') || codes(a).has('replay')).toBe(true);
    expect(snapshot(a)).toEqual(before);
  });

  it('a hello or auth whose sender field disagrees with the transport is dropped as misrouted', async () => {
    const { hub, members } = await room(2);
    live = members;
    const [a] = members as [Member, Member];
    const eve = createIdentity();
    hub.inject({ from: 'eve', to: 'm0', data: encodeWire({ v: 1, t: 'hello', room: 'room-1', id: 'm1', idk: eve.publicKey, commit: new Uint8Array(32) }) });
    await settle(hub, members);
    expect(codes(a)).toEqual(new Set(['misrouted']));
  });

  it('another identity cannot take over a connected peer’s id, even with a valid signature', async () => {
    const { hub, members } = await room(2);
    live = members;
    const [a, b] = members as [Member, Member];
    const before = snapshot(a);
    // Eve runs a real session that calls itself 'm1'; the relay shows her everything m0 sends to m1.
    let eveHears: ((from: string, data: Uint8Array) => void) | undefined;
    hub.intercept((env) => {
      if (env.from === 'm0' && env.to === 'm1') eveHears?.(env.from, env.data);
      return undefined;
    });
    const eve = new GroupKeySession({
      roomId: 'room-1', identity: createIdentity(), rekeyIntervalMs: 0,
      signaling: {
        localId: 'm1',
        send: (to, data) => hub.inject({ from: 'm1', to: to === '*' ? 'm0' : to, data }),
        onMessage: (l) => {
          eveHears = l;
          return () => (eveHears = undefined);
        },
      },
      keySink: { setSendKey: () => {}, addReceiveKey: (_p, _k, key) => eveGot.push(new Uint8Array(key)), removeKey: () => {} },
    });
    const eveGot: Uint8Array[] = [];
    await eve.start();
    await hub.settle([eve, ...members.map((m) => m.session)]);
    await settle(hub, members);
    // m0 refuses eve's auth; what eve then seals under 'm1' fails against m0's live channel.
    expect(codes(a).has('misrouted')).toBe(true);
    for (const c of codes(a)) expect(['misrouted', 'replay', 'auth-failed']).toContain(c);
    expect(snapshot(a)).toEqual(before);
    expect(a.session.peers.get('m1')!.identityKey).toEqual(b.identity.publicKey);
    expect(eveGot).toEqual([]); // no media key ever reached eve
    // m1's real session ignored the auth m0 addressed to eve's commitment (a duplicate of its live peer).
    expect(b.errors).toEqual([]);
    await eve.close();
  });

  it('an unsolicited, validly signed auth for a live peer id from another identity is refused', async () => {
    const { hub, members } = await room(2);
    live = members;
    const [a, b] = members as [Member, Member];
    const before = snapshot(a);
    const hello = hub.transcript.map((e) => decodeWire(e.data)).find((m) => m.t === 'hello' && m.id === 'm0');
    if (hello?.t !== 'hello') throw new Error('no hello from m0 in the transcript');
    const eve = createIdentity({ displayName: 'user m1' });
    const eph = await createEphemeral();
    const signer = { id: 'm1', idk: eve.publicKey, eph: eph.publicKey, name: 'user m1', att: new Uint8Array(0) };
    const sig = eve.sign(transcript('room-1', signer, { id: 'm0', idk: hello.idk, commit: hello.commit }));
    hub.inject({ from: 'm1', to: 'm0', data: encodeWire({ v: 1, t: 'auth', room: 'room-1', to: 'm0', ...signer, sig }) });
    await settle(hub, members);
    expect(codes(a)).toEqual(new Set(['misrouted']));
    expect(snapshot(a)).toEqual(before);
    expect(a.session.peers.get('m1')!.identityKey).toEqual(b.identity.publicKey);
  });

  it('a forged sealed message with random ciphertext fails authentication', async () => {
    const { hub, members } = await room(2);
    live = members;
    const [a] = members as [Member, Member];
    const before = snapshot(a);
    hub.inject({ from: 'm1', to: 'm0', data: encodeWire({ v: 1, t: 'msg', room: 'room-1', id: 'm1', to: 'm0', ctr: 1000, ct: crypto.getRandomValues(new Uint8Array(64)) }) });
    await settle(hub, members);
    expect(codes(a)).toEqual(new Set(['auth-failed']));
    expect(snapshot(a)).toEqual(before);
  });
});

describe('(d) injected random bytes', () => {
  it('are rejected with typed errors; no exception escapes; no state changes', async () => {
    const { hub, members } = await room(3);
    live = members;
    const before = members.map(snapshot);
    const ids = ['m0', 'm1', 'm2', 'x'];
    for (let i = 0; i < 300; i++) {
      const len = (i * 37) % 200;
      hub.inject({ from: ids[i % 4]!, to: ids[(i + 1) % 3]!, data: crypto.getRandomValues(new Uint8Array(len)) });
    }
    await settle(hub, members);
    expect(members.map(snapshot)).toEqual(before);
    const all = members.flatMap((m) => m.errors);
    expect(all.length).toBe(300);
    for (const e of all) expect(['malformed-message', 'unsupported-version', 'message-too-large']).toContain(e.code);
    const f = await sealFrame(members[0]!, 'still fine');
    expect(await openFrame(members[1]!, f)).toBe('still fine');
  });

  it('a relay claiming someone left only makes the others rekey (liveness, not secrecy)', async () => {
    const { hub, members } = await room(3);
    live = members;
    hub.fakeLeave('m2', 'm0');
    await until(hub, members, () => !members[0]!.session.peers.has('m2'));
    expect(members[1]!.session.peers.has('m2')).toBe(true);
  });
});
