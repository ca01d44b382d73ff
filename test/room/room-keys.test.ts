/**
 * The room over the real key session: `joinRoomWith` + `GroupKeySession` + `MemorySignalingHub`,
 * with a fake WebRTC backend and a controller spy that records the media keys it is given.
 */
import { describe, expect, it } from 'vitest';
import { createIdentity, GroupKeySession } from '../../src/keys/index.js';
import { E2EEError } from '../../src/media/transform/index.js';
import { joinRoomWith } from '../../src/room/join.js';
import type { Room } from '../../src/room/room.js';
import { MemorySignalingHub } from '../../src/testing/index.js';
import { FakeRtcLog, KeySpyController, fakeFactory, fakeStream, fakeTrack, until } from './fakes.js';

interface Party {
  id: string;
  room: Room;
  controller: KeySpyController;
  factory: ReturnType<typeof fakeFactory>;
}

async function party(hub: MemorySignalingHub, log: FakeRtcLog, id: string, extra: { iceServers?: RTCIceServer[]; config?: RTCConfiguration } = {}): Promise<Party> {
  const controller = new KeySpyController();
  const factory = fakeFactory(id, log);
  const room = await joinRoomWith(
    { roomId: 'room-k', identity: createIdentity({ displayName: id }), signaling: hub.connect(id), localStream: fakeStream(fakeTrack('video', `${id}-cam`)), ...extra },
    { createController: async () => controller, createSession: (o) => new GroupKeySession(o), peerFactory: factory },
  );
  return { id, room, controller, factory };
}

const text = (hub: MemorySignalingHub): string => hub.transcript.map((e) => Buffer.from(e.data).toString('latin1')).join('\n');

describe('Room over GroupKeySession (fake WebRTC)', () => {
  it('authenticates, carries SDP/ICE only inside the pairwise channels, and connects media', async () => {
    const hub = new MemorySignalingHub();
    const log = new FakeRtcLog();
    const a = await party(hub, log, 'alice', { iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }], config: { iceTransportPolicy: 'relay' } });
    const b = await party(hub, log, 'bob');
    await until(() => a.room.participants.get('bob')?.tracks.length === 1 && b.room.participants.get('alice')?.tracks.length === 1, 'media both ways');
    const pa = a.room.participants.get('bob');
    const pb = b.room.participants.get('alice');
    expect(pa?.safetyNumber).toBe(pb?.safetyNumber);
    expect(pa?.displayName).toBe('bob');
    expect(a.room.localParticipant.id).toBe('alice');
    // The relay saw neither the fake SDP's track ids nor the ICE candidates.
    const seen = text(hub);
    expect(seen).not.toContain('candidate:');
    expect(seen).not.toContain('127.0.0.1');
    expect(seen).not.toContain('alice-cam');
    expect(hub.transcript.length).toBeGreaterThan(4);
    // Config: app's ICE servers and policy, the controller's transform settings; never a default STUN.
    expect(a.factory.configs[0]).toMatchObject({ iceTransportPolicy: 'relay', encodedInsertableStreams: true, iceServers: [{ urls: 'turn:127.0.0.1:3478' }] });
    expect(b.factory.configs[0]?.iceServers).toEqual([]);
    // Keys from the authenticated session reached the controller, bound to the right participant.
    expect(a.controller.sendKid).toBeDefined();
    expect(b.controller.kidsOf('alice')).toContain(a.controller.sendKid);
    await a.room.leave();
    await b.room.leave();
  });

  it('a leave moves the remaining senders to keys the leaver never held', async () => {
    const hub = new MemorySignalingHub();
    const log = new FakeRtcLog();
    const [a, b, c] = [await party(hub, log, 'alice'), await party(hub, log, 'bob'), await party(hub, log, 'carol')];
    await until(() => [a, b, c].every((p) => p.room.participants.size === 2), 'full mesh');
    await until(() => c.controller.kidsOf('alice').includes(a.controller.sendKid ?? -1n) && c.controller.kidsOf('bob').includes(b.controller.sendKid ?? -1n), 'carol holds current keys');
    const carolHeld = new Set([...c.controller.receive.keys()]);
    const left: string[] = [];
    a.room.on('participant-left', (p) => left.push(p.id));
    await c.room.leave();
    await until(() => left.includes('carol') && !carolHeld.has(a.controller.sendKid ?? -1n) && !carolHeld.has(b.controller.sendKid ?? -1n), 'rekeyed');
    expect(b.controller.kidsOf('alice')).toContain(a.controller.sendKid);
    expect(a.controller.kidsOf('bob')).toContain(b.controller.sendKid);
    expect(a.room.participants.has('carol')).toBe(false);
    expect(c.controller.closed).toBe(1);
    await a.room.leave();
    await b.room.leave();
  });

  it("fails closed: without encoded transforms joinRoom rejects 'e2ee-unsupported' before touching the network", async () => {
    const hub = new MemorySignalingHub();
    const log = new FakeRtcLog();
    let sessions = 0;
    const join = joinRoomWith(
      { roomId: 'r', identity: createIdentity(), signaling: hub.connect('alice') },
      {
        createController: async () => {
          throw new E2EEError('e2ee-unsupported', 'no encoded transforms');
        },
        createSession: (o) => (sessions++, new GroupKeySession(o)),
        peerFactory: fakeFactory('alice', log),
      },
    );
    await expect(join).rejects.toMatchObject({ code: 'e2ee-unsupported', name: 'RoomError' });
    expect(sessions).toBe(0);
    expect(hub.transcript).toEqual([]);
    expect(log.peers).toEqual([]);
  });

  it('rejects unusable options with invalid-options', async () => {
    const hub = new MemorySignalingHub();
    const deps = { createController: async () => new KeySpyController(), createSession: (o: ConstructorParameters<typeof GroupKeySession>[0]) => new GroupKeySession(o), peerFactory: fakeFactory('x', new FakeRtcLog()) };
    const identity = createIdentity();
    const signaling = hub.connect('x');
    for (const bad of [
      { roomId: '', identity, signaling },
      { roomId: 'r', identity: {} as typeof identity, signaling },
      { roomId: 'r', identity, signaling: {} as typeof signaling },
      { roomId: 'r', identity, signaling, iceServers: 'stun:x' as unknown as RTCIceServer[] },
      { roomId: 'r', identity, signaling, e2ee: 'off' as 'required' },
    ]) {
      await expect(joinRoomWith(bad, deps)).rejects.toMatchObject({ code: 'invalid-options' });
    }
    expect(hub.transcript).toEqual([]);
  });
});
