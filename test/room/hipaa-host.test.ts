/**
 * Roles and signed host commands at the unit level: server role grants bind room, identity and
 * role; a command is accepted only from a peer holding a role, for this room, signed by that
 * peer, with a fresh, strictly increasing sequence number; any flipped bit is rejected.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIdentity } from '../../src/keys/index.js';
import { COMMAND_MAX_SKEW_MS, HostAuthority, grantRoomRole, signCommand, verifyRoomRole, type HostCommand } from '../../src/room/host.js';

const server = ed25519.utils.randomSecretKey();
const serverKey = ed25519.getPublicKey(server);
const host = createIdentity({ displayName: 'host' });
const T0 = 1_800_000_000_000;

function cmd(over: Partial<HostCommand> = {}): HostCommand {
  return { room: 'r1', op: 'lock', issuer: 'host', seq: T0, target: '', targetKey: '', roster: [], reason: '', ...over };
}

function authority(role: 'host' | 'co-host' = 'host', now = T0): HostAuthority {
  const a = new HostAuthority('r1', () => now);
  a.roles.set('host', role);
  return a;
}

describe('room role grants', () => {
  it('verify for the granted room, identity and role only', () => {
    const g = grantRoomRole('r1', host.publicKey, 'host', server);
    expect(verifyRoomRole(g, 'r1', host.publicKey, 'host', serverKey)).toBe(true);
    expect(verifyRoomRole(g, 'r2', host.publicKey, 'host', serverKey)).toBe(false);
    expect(verifyRoomRole(g, 'r1', createIdentity().publicKey, 'host', serverKey)).toBe(false);
    expect(verifyRoomRole(g, 'r1', host.publicKey, 'co-host', serverKey)).toBe(false);
    expect(verifyRoomRole(g, 'r1', host.publicKey, 'host', ed25519.getPublicKey(ed25519.utils.randomSecretKey()))).toBe(false);
  });
});

describe('host commands', () => {
  it('accepts a fresh command from a host, then rejects its replay and older sequence numbers', () => {
    const a = authority();
    const body = signCommand(cmd(), host);
    expect(a.accept('host', host.publicKey, body).op).toBe('lock');
    expect(() => a.accept('host', host.publicKey, body)).toThrow(expect.objectContaining({ code: 'replayed-command' }));
    expect(() => a.accept('host', host.publicKey, signCommand(cmd({ seq: T0 - 1 }), host))).toThrow(expect.objectContaining({ code: 'replayed-command' }));
    expect(a.accept('host', host.publicKey, signCommand(cmd({ seq: T0 + 1, op: 'unlock' }), host)).op).toBe('unlock');
  });

  it('rejects stale or future-dated commands', () => {
    expect(() => authority().accept('host', host.publicKey, signCommand(cmd({ seq: T0 - COMMAND_MAX_SKEW_MS - 1 }), host))).toThrow(expect.objectContaining({ code: 'replayed-command' }));
    expect(() => authority().accept('host', host.publicKey, signCommand(cmd({ seq: T0 + COMMAND_MAX_SKEW_MS + 1 }), host))).toThrow(expect.objectContaining({ code: 'replayed-command' }));
  });

  it('rejects commands for another room, relayed by another member, or from a participant', () => {
    expect(() => authority().accept('host', host.publicKey, signCommand(cmd({ room: 'r2' }), host))).toThrow(expect.objectContaining({ code: 'bad-command' }));
    const other = createIdentity();
    const a = authority();
    a.roles.set('pat', 'host');
    expect(() => a.accept('pat', other.publicKey, signCommand(cmd({ issuer: 'host' }), other))).toThrow(expect.objectContaining({ code: 'bad-command' }));
    const b = new HostAuthority('r1', () => T0);
    expect(() => b.accept('host', host.publicKey, signCommand(cmd(), host))).toThrow(expect.objectContaining({ code: 'not-authorized' }));
  });

  it('a co-host may lock, admit and expel but not end, hand over or make co-hosts', () => {
    for (const op of ['lock', 'admit', 'expel'] as const) expect(authority('co-host').accept('host', host.publicKey, signCommand(cmd({ op }), host)).op).toBe(op);
    for (const op of ['end', 'hand-over', 'co-host'] as const)
      expect(() => authority('co-host').accept('host', host.publicKey, signCommand(cmd({ op }), host))).toThrow(expect.objectContaining({ code: 'not-authorized' }));
  });

  it('a command signed by another key than the sender’s is rejected', () => {
    const body = signCommand(cmd(), createIdentity());
    expect(() => authority().accept('host', host.publicKey, body)).toThrow(expect.objectContaining({ code: 'bad-command' }));
  });

  it('property: flipping any bit of a signed command is rejected', () => {
    const body = signCommand(cmd({ op: 'expel', target: 'pat', targetKey: 'ab'.repeat(32) }), host);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: body.length * 8 - 1 }), (bit) => {
        const t = body.slice();
        t[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => authority().accept('host', host.publicKey, t)).toThrow(expect.objectContaining({ code: 'bad-command' }));
      }),
      { numRuns: 300 },
    );
  });
});
