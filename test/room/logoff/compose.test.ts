/**
 * Automatic log-off composed the way the room will compose it, over real key sessions. On
 * expiry the participant writes a `logged-off` audit entry and leaves the key session, which
 * removes every media key it installed. It also closes its chat keys. The other participant sees
 * it leave and can no longer be reached by it. Deterministic: the log-off clock is injected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GroupKeySession, createIdentity } from '../../../src/keys/index.js';
import type { MediaKeySink } from '../../../src/keys/index.js';
import { AuditLog, verifyAuditLog } from '../../../src/room/audit/index.js';
import { ChatKeyring } from '../../../src/room/chat/index.js';
import { AutoLogoff } from '../../../src/room/logoff/index.js';
import type { LogoffClock } from '../../../src/room/logoff/index.js';
import { MemorySignalingHub } from '../../../src/testing/index.js';

/** A media sink that remembers which KIDs are installed. */
function recordingSink() {
  const installed = new Set<bigint>();
  const sink: MediaKeySink = {
    setSendKey: (kid) => void installed.add(kid),
    addReceiveKey: (_p, kid) => void installed.add(kid),
    removeKey: (kid) => void installed.delete(kid),
  };
  return { sink, installed };
}

class ManualClock implements LogoffClock {
  t = 0;
  timers = new Map<number, { at: number; cb: () => void }>();
  #id = 0;
  now = () => this.t;
  setTimeout = (cb: () => void, ms: number) => (this.timers.set(++this.#id, { at: this.t + ms, cb }), this.#id);
  clearTimeout = (h: unknown) => void this.timers.delete(h as number);
  advance(ms: number) {
    this.t += ms;
    for (const [id, e] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (e.at <= this.t && this.timers.delete(id)) e.cb();
    }
  }
}

const sessions: GroupKeySession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});

async function until(hub: MemorySignalingHub, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) {
    await hub.settle(sessions);
    if (!cond()) await new Promise((r) => setTimeout(r, 10));
  }
  if (!cond()) throw new Error('condition not reached');
}

describe('idle log-off composed with the key session, chat keys and the audit trail', () => {
  it('on idle expiry: audit entry written, session left, every media key removed, chat keys closed', async () => {
    const hub = new MemorySignalingHub();
    const identity = createIdentity({ displayName: 'alice' });
    const media = recordingSink();
    let alice: GroupKeySession | undefined;
    const ring = new ChatKeyring({ senderId: 'alice', signer: identity, inner: media.sink, identityKeyOf: (p) => alice?.peers.get(p)?.identityKey });
    alice = new GroupKeySession({ roomId: 'r', identity, signaling: hub.connect('alice'), keySink: ring, rekeyIntervalMs: 0 });
    const bob = new GroupKeySession({ roomId: 'r', identity: createIdentity(), signaling: hub.connect('bob'), keySink: recordingSink().sink, rekeyIntervalMs: 0 });
    sessions.push(alice, bob);
    await Promise.all([alice.start(), bob.start()]);
    await until(hub, () => alice.peers.size === 1 && bob.peers.size === 1 && media.installed.size >= 2);
    await ring.flush();
    await ring.seal(new Uint8Array([1])); // chat works before log-off

    const audit = new AuditLog({ signer: identity });
    const clock = new ManualClock();
    const logoff = new AutoLogoff({ idleTimeoutMs: 15 * 60_000, warnBeforeMs: 60_000, clock });
    const warnings: number[] = [];
    logoff.on('warning', ({ remainingMs }) => warnings.push(remainingMs));
    let left: Promise<void> | undefined;
    logoff.on('expired', ({ reason }) => {
      left = (async () => {
        await audit.append('logged-off', { participantId: 'alice', reason });
        await alice.close();
        ring.close();
      })();
    });
    logoff.start();
    clock.advance(10 * 60_000);
    logoff.reportActivity();
    clock.advance(14 * 60_000);
    expect(left).toBeUndefined();
    clock.advance(60_000);
    expect(left).toBeDefined();
    await left;

    expect(warnings).toEqual([60_000]);
    expect(media.installed.size).toBe(0);
    await expect(ring.seal(new Uint8Array([1]))).rejects.toMatchObject({ code: 'closed' });
    await until(hub, () => bob.peers.size === 0);
    const verified = await verifyAuditLog(audit.export(), identity.publicKey);
    expect(verified.ok && verified.entries.map((e) => [e.type, e.details])).toEqual([['logged-off', { participantId: 'alice', reason: 'idle' }]]);
  });
});
