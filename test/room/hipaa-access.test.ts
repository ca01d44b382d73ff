/**
 * Access control through the Room (issue #6 §1, §5): the lobby keeps every media key from a
 * joiner until a host admits it; expel cuts a member off and every remaining sender re-keys so
 * even a member that ignores the expel and keeps every key cannot decrypt later frames; lock,
 * end-for-all and host succession. Real key sessions over the in-memory relay, fake WebRTC,
 * media keys installed in real SFrame contexts.
 */
import { describe, expect, it } from 'vitest';
import { AccessError } from '../../src/room/host.js';
import { verifyAuditLog } from '../../src/room/audit/index.js';
import type { AdmissionRequest } from '../../src/room/safeguard-types.js';
import { until } from './fakes.js';
import { GroupKeySession } from '../../src/keys/index.js';
import { CryptoController, ROOM, frameFrom, hostile, openWith, party, world, type Party } from './hipaa-helpers.js';

async function admitted(host: Party, joiner: Party): Promise<void> {
  await until(() => host.room.lobby.has(joiner.id), `${joiner.id} waiting`);
  await host.room.admit(joiner.id);
}

/** Everyone in `ps` holds every other one's current send key. */
function keyed(ps: Party[]): boolean {
  return ps.every((a) => a.controller.sendKid !== undefined && ps.every((b) => a === b || b.controller.kidsOf(a.id).includes(a.controller.sendKid!)));
}

describe('lobby', () => {
  it('a joiner waiting in the lobby holds no media key and sees no one; after admit it holds only keys made at admission', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    await admitted(host, pat);
    await until(() => keyed([host, pat]), 'host and pat keyed');

    const requests: AdmissionRequest[] = [];
    host.room.on('admission-request', (r) => requests.push(r));
    const joe = await party(hub, log, 'joe');
    await until(() => host.room.lobby.has('joe'), 'joe waiting');
    await hub.settle([host.session, pat.session, joe.session]);
    // Authenticated (the host can compare the SAS) …
    expect(requests.map((r) => r.id)).toEqual(['joe']);
    expect(requests[0]?.sas).toBe(joe.session.peers.get('host')?.sas);
    expect(requests[0]?.passcodeVerified).toBe(false);
    // … but no member released a key to it, and no media connection exists.
    expect(joe.controller.receive.size).toBe(0);
    expect(joe.room.participants.size).toBe(0);
    expect(host.room.participants.has('joe')).toBe(false);
    expect(await openWith(joe, await frameFrom(host))).toBe('error:unknown-key');
    expect(await openWith(joe, await frameFrom(pat))).toBe('error:unknown-key');
    const beforeAdmission = [host.controller.sendKid, pat.controller.sendKid];

    await host.room.admit('joe');
    await until(() => keyed([host, pat, joe]), 'all keyed after admission');
    expect(await openWith(joe, await frameFrom(host, 'after'))).toBe('after');
    expect(await openWith(joe, await frameFrom(pat, 'after'))).toBe('after');
    // The keys in use while it waited were never given to it (join ratchet at admission).
    for (const kid of beforeAdmission) expect(joe.controller.receive.has(kid!)).toBe(false);
    await until(() => joe.room.participants.size === 2 && host.room.participants.has('joe'), 'mesh after admission');
    for (const p of [host, pat, joe]) await p.room.leave();
  });

  it('deny: the joiner is refused, leaves, and never held a key', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const joe = await party(hub, log, 'joe');
    const denied: string[] = [];
    joe.room.on('admission-denied', (r) => denied.push(r));
    await until(() => host.room.lobby.has('joe'), 'joe waiting');
    await host.room.deny('joe');
    await until(() => joe.room.left, 'joe left');
    expect(denied).toEqual(['host-denied']);
    expect(joe.controller.receive.size).toBe(0);
    await host.room.leave();
  });

  it('lock: a new joiner is refused automatically and holds no key; unlock admits again', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    await host.room.lock();
    expect(host.room.locked).toBe(true);
    const joe = await party(hub, log, 'joe');
    const denied: string[] = [];
    joe.room.on('admission-denied', (r) => denied.push(r));
    await until(() => joe.room.left, 'joe refused');
    expect(denied).toEqual(['locked']);
    expect(joe.controller.receive.size).toBe(0);
    await host.room.unlock();
    const ann = await party(hub, log, 'ann');
    await admitted(host, ann);
    await until(() => keyed([host, ann]), 'ann keyed after unlock');
    await host.room.leave();
    await ann.room.leave();
  });

  it('an open room keys every authenticated peer at once (no lobby)', async () => {
    const { hub, log } = world();
    const a = await party(hub, log, 'a', { admission: 'open' });
    const b = await party(hub, log, 'b', { admission: 'open' });
    await until(() => keyed([a, b]), 'keyed');
    await a.room.leave();
    await b.room.leave();
  });
});

describe('expel', () => {
  it('an expelled member that ignores the expel and keeps every key it ever got cannot decrypt later frames', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    await admitted(host, pat);
    const eve = await hostile(hub, 'eve');
    await until(() => host.room.lobby.has('eve'), 'eve waiting');
    await host.room.admit('eve');
    await until(() => keyed([host, pat]) && [host, pat].every((p) => eve.controller.kidsOf(p.id).includes(p.controller.sendKid!)), 'all keyed');
    expect(await openWith(eve, await frameFrom(pat, 'before'))).toBe('before');
    const old = [host.controller.sendKid, pat.controller.sendKid];

    const expelled: string[] = [];
    pat.room.on('participant-expelled', (id) => expelled.push(id));
    await host.room.expel('eve');
    await until(() => host.controller.sendKid !== old[0] && pat.controller.sendKid !== old[1], 'remaining senders re-keyed');
    await until(() => keyed([host, pat]), 'remaining keyed');
    expect(expelled).toEqual(['eve']);
    expect(host.room.participants.has('eve')).toBe(false);
    expect(pat.room.participants.has('eve')).toBe(false);
    expect(await openWith(eve, await frameFrom(host, 'later'))).toBe('error:unknown-key');
    expect(await openWith(eve, await frameFrom(pat, 'later'))).toBe('error:unknown-key');
    expect(await openWith(pat, await frameFrom(host, 'later'))).toBe('later');
    expect(host.controller.kidsOf('eve')).toEqual([]);
    expect(host.room.audit.entries().filter((e) => e.type === 'expelled').map((e) => e.details)).toEqual([{ participantId: 'eve', by: 'host' }]);
    await eve.session.close();
    for (const p of [host, pat]) await p.room.leave();
  });

  it('an expelled identity that comes back with a new session gets no key', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host', admission: 'open' });
    const pat = await party(hub, log, 'pat', { admission: 'open' });
    await until(() => keyed([host, pat]), 'keyed');
    await host.room.expel('pat');
    await until(() => pat.room.left && !host.room.participants.has('pat'), 'pat out');
    // Same identity, new key session (a restarted client that ignores the expel).
    const keys = new CryptoController(true);
    const back = new GroupKeySession({ roomId: ROOM, identity: pat.identity, signaling: hub.connect('pat2'), keySink: keys, rekeyIntervalMs: 0 });
    await back.start();
    await until(() => back.peers.has('host'), 'back authenticated');
    await hub.settle([host.session, back]);
    expect(host.room.participants.has('pat2')).toBe(false);
    expect(keys.kidsOf('host')).toEqual([]);
    expect(await openWith({ controller: keys }, await frameFrom(host, 'x'))).toBe('error:unknown-key');
    await back.close();
    await host.room.leave();
  });
});

describe('host commands', () => {
  it('a command signed by a participant is rejected with not-authorized and changes nothing', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    await admitted(host, pat);
    const ann = await party(hub, log, 'ann');
    await admitted(host, ann);
    await until(() => keyed([host, pat, ann]), 'keyed');
    const { packSafeguard, signCommand, keyHex } = await import('../../src/room/host.js');
    const forged = packSafeguard('command', signCommand(
      { room: 'visit-4711', op: 'expel', issuer: 'pat', seq: Date.now(), target: 'ann', targetKey: keyHex(ann.identity.publicKey), roster: [], reason: '' },
      pat.identity,
    ));
    const kidsBefore = host.controller.kidsOf('ann');
    pat.session.sendToPeer('host', forged);
    pat.session.sendToPeer('ann', forged);
    await until(() => host.errors.some((e) => e.code === 'not-authorized') && ann.errors.some((e) => e.code === 'not-authorized'), 'rejected');
    expect(host.errors.find((e) => e.code === 'not-authorized')).toBeInstanceOf(AccessError);
    expect(ann.room.left).toBe(false);
    expect(host.room.participants.has('ann')).toBe(true);
    expect(host.controller.kidsOf('ann')).toEqual(kidsBefore);
    expect(host.room.audit.entries().some((e) => e.type === 'expelled')).toBe(false);
    // Each refusal is itself in the audit trail: who, which operation, why — not the command.
    const rejected = (p: typeof host): unknown[] => p.room.audit.entries().filter((e) => e.type === 'command-rejected').map((e) => e.details);
    await until(() => rejected(host).length === 1 && rejected(ann).length === 1, 'refusals audited'); // appends are signed asynchronously
    expect(rejected(host)).toEqual([{ participantId: 'pat', op: 'expel', reason: 'not-authorized' }]);
    expect(rejected(ann)).toEqual([{ participantId: 'pat', op: 'expel', reason: 'not-authorized' }]);
    // An unreadable command: refused as bad-command, its operation unknown.
    pat.session.sendToPeer('host', packSafeguard('command', new Uint8Array([1, 2, 3])));
    await until(() => rejected(host).length === 2, 'bad command audited');
    expect(rejected(host)[1]).toEqual({ participantId: 'pat', reason: 'bad-command' });
    expect((await verifyAuditLog(host.room.audit.export(), host.identity.publicKey)).ok).toBe(true);
    // A participant cannot call host actions either.
    await expect(pat.room.expel('ann')).rejects.toMatchObject({ code: 'not-authorized' });
    await expect(pat.room.lock()).rejects.toMatchObject({ code: 'not-authorized' });
    for (const p of [host, pat, ann]) await p.room.leave();
  });

  it('a role claimed without a valid server grant fails joinRoom with invalid-options', async () => {
    const { hub, log } = world();
    await expect(party(hub, log, 'mallory', { role: 'host', grantFor: 'co-host' })).rejects.toMatchObject({ code: 'invalid-options' });
    await expect(party(hub, log, 'mallory2', { role: 'host', hostAuthorityKey: new Uint8Array(32).fill(9) })).rejects.toMatchObject({ code: 'invalid-options' });
  });

  it('a co-host who arrives after admissions learns the roster from the host and keys the admitted members', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    await admitted(host, pat);
    await until(() => keyed([host, pat]), 'keyed');
    const co = await party(hub, log, 'co', { role: 'co-host' });
    await until(() => keyed([host, pat, co]), 'the late co-host keys pat and pat keys it');
    const joe = await party(hub, log, 'joe');
    expect(joe.controller.receive.size).toBe(0);
    await admitted(co, joe);
    await until(() => keyed([host, pat, co, joe]), 'joe admitted by the co-host');
    for (const p of [host, pat, co, joe]) await p.room.leave();
  });

  it('end-for-all: every member leaves and its keys are removed', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    await admitted(host, pat);
    await until(() => keyed([host, pat]), 'keyed');
    const ended: string[] = [];
    pat.room.on('ended', (by) => ended.push(by));
    await host.room.endForAll();
    await until(() => pat.room.left && host.room.left, 'both left');
    expect(ended).toEqual(['host']);
    await until(() => pat.controller.receive.size === 0 && pat.controller.closed === 1, 'pat keys removed');
  });

  it('host hand-over: a successor designated by the host can admit; without one the lowest-key co-host takes over', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const co = await party(hub, log, 'co', { role: 'co-host' });
    const pat = await party(hub, log, 'pat');
    await admitted(host, pat);
    await until(() => keyed([host, co, pat]), 'keyed');
    await host.room.handOver('pat');
    await until(() => pat.room.role === 'host', 'pat is host');
    await host.room.leave();
    const joe = await party(hub, log, 'joe');
    await admitted(pat, joe);
    await until(() => keyed([co, pat, joe]), 'joe admitted by the new host');
    // The designated host leaves too: the co-host succeeds automatically.
    const roles: [string, string][] = [];
    joe.room.on('role-changed', (id, role) => roles.push([id, role]));
    await pat.room.leave();
    await until(() => co.room.role === 'host' && roles.some(([id, r]) => id === 'co' && r === 'host'), 'co-host promoted');
    for (const p of [co, joe]) await p.room.leave();
  });
});
