/**
 * The audit trail and automatic log-off through the Room API (issue #6 §2, §3, §5). Audit:
 * `room.audit` records the security events of a call, signed with the participant's identity,
 * reaches the app's sink as it happens, exports JSON Lines that verify, and holds no PHI or
 * secrets. Log-off: idle expiry warns, writes the audit entry, leaves the room and removes every
 * key; the others re-key so the logged-off device cannot decrypt anything sent afterwards.
 * The log-off clock is injected; no test sleeps on it.
 */
import { describe, expect, it } from 'vitest';
import { verifyAuditLog, type AuditEntry } from '../../src/room/audit/index.js';
import type { LogoffClock } from '../../src/room/logoff/index.js';
import { until } from './fakes.js';
import { frameFrom, openWith, party, world, type Party } from './hipaa-helpers.js';

class ManualClock implements LogoffClock {
  t = 1_800_000_000_000;
  readonly timers = new Map<number, { at: number; run: () => void }>();
  #next = 0;
  now = (): number => this.t;
  setTimeout = (run: () => void, ms: number): number => (this.timers.set(++this.#next, { at: this.t + ms, run }), this.#next);
  clearTimeout = (h: unknown): void => void this.timers.delete(h as number);
  advance(ms: number): void {
    this.t += ms;
    for (const [id, e] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) if (e.at <= this.t && this.timers.delete(id)) e.run();
  }
}

function keyed(ps: Party[]): boolean {
  return ps.every((a) => a.controller.sendKid !== undefined && ps.every((b) => a === b || b.controller.kidsOf(a.id).includes(a.controller.sendKid!)));
}

describe('automatic log-off', () => {
  it('idle: warns, then writes logged-off, leaves, and removes every key; later frames are unreadable to it', async () => {
    const { hub, log } = world();
    const clock = new ManualClock();
    const alice = await party(hub, log, 'alice', { admission: 'open', idleTimeoutMs: 15 * 60_000, logoffWarningMs: 60_000, clock });
    const bob = await party(hub, log, 'bob', { admission: 'open' });
    await until(() => keyed([alice, bob]), 'keyed');
    const warnings: number[] = [];
    const loggedOff: string[] = [];
    alice.room.on('logoff-warning', ({ remainingMs }) => warnings.push(remainingMs));
    alice.room.on('logged-off', ({ reason }) => loggedOff.push(reason));

    clock.advance(10 * 60_000);
    alice.room.reportActivity();
    clock.advance(14 * 60_000);
    expect(alice.room.left).toBe(false);
    expect(warnings).toEqual([60_000]);
    const bobKid = bob.controller.sendKid;
    clock.advance(60_000);
    expect(loggedOff).toEqual(['idle']);
    await until(() => alice.room.left && alice.controller.closed === 1, 'alice left');
    await alice.room.leave();
    expect(alice.controller.receive.size).toBe(0);
    expect(alice.controller.sendKid).toBeUndefined();
    await expect(alice.room.sendChat('still here?')).rejects.toMatchObject({ code: 'closed' });
    await until(() => !bob.room.participants.has('alice') && bob.controller.sendKid !== bobKid, 'bob re-keyed');
    expect(await openWith(alice, await frameFrom(bob, 'after'))).toBe('error:unknown-key');

    const entries = alice.room.audit.entries();
    const tail = entries.slice(-2).map((e) => [e.type, e.details]);
    expect(tail).toEqual([['logged-off', { participantId: 'alice', reason: 'idle' }], ['left', { participantId: 'alice', reason: 'logged-off' }]]);
    const verified = await verifyAuditLog(alice.room.audit.export(), alice.identity.publicKey, { expectedLastHash: alice.room.audit.lastHash });
    expect(verified.ok).toBe(true);
    await bob.room.leave();
  });

  it('max duration expires regardless of activity', async () => {
    const { hub, log } = world();
    const clock = new ManualClock();
    const alice = await party(hub, log, 'alice', { admission: 'open', maxDurationMs: 60 * 60_000, clock });
    for (let i = 0; i < 6; i++) {
      clock.advance(10 * 60_000 - 1);
      alice.room.reportActivity();
    }
    expect(alice.room.left).toBe(false);
    clock.advance(6);
    await until(() => alice.room.left, 'left at max duration');
    await alice.room.leave();
    expect(alice.room.audit.entries().some((e) => e.type === 'logged-off' && JSON.stringify(e.details).includes('max-duration'))).toBe(true);
  });

  it('without limits nothing ever logs off (default off)', async () => {
    const { hub, log } = world();
    const clock = new ManualClock();
    const alice = await party(hub, log, 'alice', { admission: 'open', clock });
    clock.advance(7 * 24 * 3_600_000);
    expect(alice.room.left).toBe(false);
    expect(clock.timers.size).toBe(0);
    await alice.room.leave();
  });
});

describe('room.audit', () => {
  it('records the call’s security events, streams them to the sink, and exports a log that verifies and fails when edited', async () => {
    const { hub, log } = world();
    const sunk: AuditEntry[] = [];
    const host = await party(hub, log, 'host', { role: 'host', auditSink: { write: (e) => void sunk.push(e) }, failureCheckMs: 5 });
    const pat = await party(hub, log, 'pat');
    await until(() => host.room.lobby.has('pat'), 'pat waiting');
    await host.room.admit('pat');
    await until(() => keyed([host, pat]), 'keyed');
    host.room.markVerified('pat', 'match', 'sas');
    await host.room.lock();
    await host.room.unlock();
    host.controller.counters.set('pat', { framesFailed: 25 });
    await until(() => host.room.audit.entries().some((e) => e.type === 'decryption-failure-burst'), 'burst recorded');
    await pat.room.leave();
    await until(() => !host.room.participants.has('pat'), 'pat left');
    await host.room.leave();
    await host.room.audit.flush();

    const types = new Set(host.room.audit.entries().map((e) => e.type));
    for (const t of ['joined', 'admitted', 'epoch-changed', 'verification-compared', 'locked', 'unlocked', 'decryption-failure-burst', 'left'] as const)
      expect(types.has(t), t).toBe(true);
    expect(sunk.map((e) => e.hash)).toEqual(host.room.audit.entries().map((e) => e.hash));
    expect(host.room.audit.entries()[0]?.details).toEqual({ participantId: 'host', role: 'host' });
    expect(pat.room.audit.entries().some((e) => e.type === 'role-changed' && (e.details as { participantId?: string }).participantId === 'host')).toBe(true);
    const lines = host.room.audit.export();
    expect((await verifyAuditLog(lines, host.identity.publicKey)).ok).toBe(true);
    // No key, SAS, safety number or display name in the log.
    expect(lines).not.toContain(pat.session.peers.get('host')?.safetyNumber ?? 'x');
    const edited = lines.replace('"result":"match"', '"result":"mismatch"');
    expect(edited).not.toBe(lines);
    expect((await verifyAuditLog(edited, host.identity.publicKey)).ok).toBe(false);
    const split = lines.trim().split('\n');
    expect((await verifyAuditLog(split.filter((_, i) => i !== 2).join('\n'), host.identity.publicKey)).ok).toBe(false);
    expect((await verifyAuditLog([split[1], split[0], ...split.slice(2)].join('\n'), host.identity.publicKey)).ok).toBe(false);
  });
});
