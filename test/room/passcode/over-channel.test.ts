/**
 * The passcode protocol run the way the room will run it: host and joiner are real
 * `GroupKeySession`s over an in-memory relay. Messages travel with `sendToPeer` inside the
 * pairwise channel, bound to the pair's safety number. The relay transcript holds no
 * passcode-derived secret: not the passcode, not its Argon2id output, not the proof.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GroupKeySession, createIdentity } from '../../../src/keys/index.js';
import type { MediaKeySink, PeerInfo } from '../../../src/keys/index.js';
import { PasscodeVerifier, answerPasscodeChallenge, readPasscodeResult, stretchPasscode } from '../../../src/room/passcode/index.js';
import type { PasscodeParams } from '../../../src/room/passcode/index.js';
import { decodeResponse } from '../../../src/room/passcode/messages.js';
import { MemorySignalingHub } from '../../../src/testing/index.js';

const ROOM = 'room-pass';
const LIGHT: PasscodeParams = { opsLimit: 1, memLimitKiB: 64 };
const nullSink: MediaKeySink = { setSendKey() {}, addReceiveKey() {}, removeKey() {} };
const sessions: GroupKeySession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});

function session(hub: MemorySignalingHub, id: string): GroupKeySession {
  const s = new GroupKeySession({ roomId: ROOM, identity: createIdentity({ displayName: id }), signaling: hub.connect(id), keySink: nullSink, rekeyIntervalMs: 0 });
  sessions.push(s);
  return s;
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay).includes(Buffer.from(needle));
}

async function until(hub: MemorySignalingHub, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) {
    await hub.settle(sessions);
    if (!cond()) await new Promise((r) => setTimeout(r, 10));
  }
  if (!cond()) throw new Error('condition not reached');
}

/** Run one passcode exchange host ⇄ joiner through the channel; returns the joiner's outcome and the proof sent. */
async function exchange(hub: MemorySignalingHub, host: GroupKeySession, joiner: GroupKeySession, verifier: PasscodeVerifier, typed: string) {
  const hostView = host.peers.get(joiner.localId)!;
  const joinerView = joiner.peers.get(host.localId)!;
  const binding = (p: PeerInfo) => new TextEncoder().encode(p.safetyNumber);
  let outcome: string | undefined;
  let proof: Uint8Array | undefined;
  const offJoiner = joiner.on('peer-message', (from, data) => {
    if (from !== host.localId) return;
    if (data[0] === 1) {
      void answerPasscodeChallenge({ roomId: ROOM, passcode: typed, challenge: data, binding: binding(joinerView) }).then((r) => {
        proof = decodeResponse(r).proof;
        joiner.sendToPeer(host.localId, r);
      });
    } else {
      try {
        readPasscodeResult(data);
        outcome = 'accepted';
      } catch (e) {
        outcome = (e as { code: string }).code;
      }
    }
  });
  const offHost = host.on('peer-message', (from, data) => {
    if (from !== joiner.localId) return;
    void verifier.verify(hostView.identityKey.toString(), data, binding(hostView)).then((v) => host.sendToPeer(from, v.reply));
  });
  host.sendToPeer(joiner.localId, verifier.challenge(hostView.identityKey.toString()));
  await until(hub, () => outcome !== undefined);
  offJoiner();
  offHost();
  return { outcome: outcome!, proof: proof! };
}

describe('passcode over the pairwise channel', () => {
  it('refuses a wrong passcode, accepts the right one, and the relay sees no passcode-derived secret', async () => {
    const hub = new MemorySignalingHub();
    const host = session(hub, 'host');
    const joiner = session(hub, 'joiner');
    await Promise.all([host.start(), joiner.start()]);
    await until(hub, () => host.peers.size === 1 && joiner.peers.size === 1);
    const verifier = await PasscodeVerifier.create({ roomId: ROOM, passcode: 'blue-4711', params: LIGHT });

    const wrong = await exchange(hub, host, joiner, verifier, 'blue-4712');
    expect(wrong.outcome).toBe('passcode-wrong');
    const right = await exchange(hub, host, joiner, verifier, 'blue-4711');
    expect(right.outcome).toBe('accepted');

    const secrets = [
      new TextEncoder().encode('blue-4711'),
      new TextEncoder().encode('blue-4712'),
      await stretchPasscode('blue-4711', ROOM, LIGHT),
      await stretchPasscode('blue-4712', ROOM, LIGHT),
      wrong.proof,
      right.proof,
    ];
    expect(hub.transcript.length).toBeGreaterThan(0);
    for (const env of hub.transcript) for (const s of secrets) expect(contains(env.data, s)).toBe(false);
  });

  it('the search can fail: a proof sent in clear would be found', () => {
    const proof = new Uint8Array(32).fill(7);
    expect(contains(new Uint8Array([1, 2, ...proof, 3]), proof)).toBe(true);
  });
});
