/**
 * Room passcode through the Room API (issue #6 §1, §5): the host challenges every lobby joiner
 * inside the pairwise channel; a wrong passcode is refused (the joiner holds no key, no admission
 * request reaches the host app), a right one makes the request with `passcodeVerified`; the relay
 * transcript holds no passcode-derived secret (passcode, Argon2id output or proof).
 */
import { describe, expect, it } from 'vitest';
import type { PasscodeParams } from '../../src/room/passcode/index.js';
import { stretchPasscode } from '../../src/room/passcode/index.js';
import { decodeResponse } from '../../src/room/passcode/messages.js';
import { unpackSafeguard } from '../../src/room/host.js';
import type { AdmissionRequest } from '../../src/room/safeguard-types.js';
import { until } from './fakes.js';
import { ROOM, party, world, type Party } from './hipaa-helpers.js';

const LIGHT: PasscodeParams = { opsLimit: 1, memLimitKiB: 64 };

function proofsSentBy(p: Party): Uint8Array[] {
  return p.sent.map((m) => unpackSafeguard(m.data)).filter((m) => m?.kind === 'passcode' && m.body[0] === 2).map((m) => decodeResponse(m!.body).proof);
}

const contains = (hay: Uint8Array, needle: Uint8Array): boolean => Buffer.from(hay).includes(Buffer.from(needle));

describe('room passcode', () => {
  it('a wrong passcode is refused and the joiner holds no key; the right one reaches the host as a verified request; the relay sees no passcode-derived secret', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host', passcode: 'blue-4711', passcodeParams: LIGHT });
    const requests: AdmissionRequest[] = [];
    host.room.on('admission-request', (r) => requests.push(r));

    const wrong = await party(hub, log, 'wrong', { passcode: 'blue-4712' });
    const denied: string[] = [];
    wrong.room.on('admission-denied', (r) => denied.push(r));
    await until(() => wrong.room.left, 'wrong joiner refused');
    expect(wrong.errors.map((e) => e.code)).toContain('passcode-wrong');
    expect(denied).toEqual(['passcode-wrong']);
    expect(wrong.controller.receive.size).toBe(0);
    expect(requests).toEqual([]);

    const right = await party(hub, log, 'right', { passcode: 'blue-4711' });
    await until(() => requests.length === 1, 'verified request');
    expect(requests[0]).toMatchObject({ id: 'right', passcodeVerified: true });
    expect(right.controller.receive.size).toBe(0); // verified, but not admitted yet
    await host.room.admit('right');
    await until(() => right.controller.kidsOf('host').includes(host.controller.sendKid!), 'admitted and keyed');

    const attempts = host.room.audit.entries().filter((e) => e.type === 'passcode-attempt').map((e) => e.details);
    expect(attempts).toEqual([{ participantId: 'wrong', result: 'wrong' }, { participantId: 'right', result: 'accepted' }]);
    const proofs = [...proofsSentBy(wrong), ...proofsSentBy(right)];
    expect(proofs).toHaveLength(2);
    const secrets = [
      new TextEncoder().encode('blue-4711'), new TextEncoder().encode('blue-4712'),
      await stretchPasscode('blue-4711', ROOM, LIGHT), await stretchPasscode('blue-4712', ROOM, LIGHT), ...proofs,
    ];
    expect(hub.transcript.length).toBeGreaterThan(10);
    for (const env of hub.transcript) for (const s of secrets) expect(contains(env.data, s)).toBe(false);
    // The audit export carries no passcode either.
    expect(host.room.audit.export()).not.toContain('blue-47');
    await host.room.leave();
    await right.room.leave();
  });

  it('the transcript search can fail: a proof sent in clear would be found', () => {
    const proof = new Uint8Array(32).fill(7);
    expect(contains(new Uint8Array([1, 2, ...proof, 3]), proof)).toBe(true);
  });

  it('a joiner without a passcode in a passcode room is never admitted and holds no key', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host', passcode: 'blue-4711', passcodeParams: LIGHT });
    const requests: AdmissionRequest[] = [];
    host.room.on('admission-request', (r) => requests.push(r));
    const joe = await party(hub, log, 'joe');
    await until(() => joe.errors.some((e) => e.code === 'passcode-required'), 'joe cannot answer');
    await hub.settle([host.session, joe.session]);
    expect(requests).toEqual([]);
    expect(joe.controller.receive.size).toBe(0);
    await host.room.leave();
    await joe.room.leave();
  });
});
