/**
 * Room logic in Node: fake key session hub, fake transform controller, fake WebRTC backend.
 */
import { describe, expect, it } from 'vitest';
import { RoomError } from '../../src/room/errors.js';
import { decodeSignal } from '../../src/room/peer.js';
import { Room, type RoomInit } from '../../src/room/room.js';
import type { E2EEState, RemoteParticipant } from '../../src/room/types.js';
import {
  FakeController, FakeKeyHub, FakeRtcLog, fakeFactory, fakeStream, fakeTrack, safetyNumberOf, until,
  type FakePeer, type FakeKeySession,
} from './fakes.js';

interface Party {
  room: Room;
  session: FakeKeySession;
  controller: FakeController;
  factory: ReturnType<typeof fakeFactory>;
  tracks: { track: MediaStreamTrack; from: string }[];
  states: { id: string; state: E2EEState }[];
  errors: RoomError[];
  listenerErrors: unknown[];
}

async function join(hub: FakeKeyHub, log: FakeRtcLog, id: string, extra: Partial<RoomInit> = {}): Promise<Party> {
  const session = hub.session(id, id.toUpperCase());
  const controller = new FakeController();
  const factory = fakeFactory(id, log);
  const listenerErrors: unknown[] = [];
  const room = await Room.open({
    roomId: 'r1', session, controller, e2ee: 'required', peerFactory: factory,
    config: { iceServers: [], ...controller.rtcConfig },
    localParticipant: { id, displayName: undefined, identityKey: new Uint8Array(32) },
    onListenerError: (e) => listenerErrors.push(e),
    ...extra,
  });
  const party: Party = { room, session, controller, factory, tracks: [], states: [], errors: [], listenerErrors };
  room.on('track', (track, _s, p) => party.tracks.push({ track, from: p.id }));
  room.on('e2ee-state', (p, state) => party.states.push({ id: p.id, state }));
  room.on('error', (e) => party.errors.push(e as RoomError));
  return party;
}

const cam = (label = 'camera'): MediaStream => fakeStream(fakeTrack('video', label), fakeTrack('audio', 'mic'));
const peersOf = (log: FakeRtcLog, local: string): FakePeer[] => log.peers.filter((p) => p.localId === local && !p.destroyed);

describe('Room (fake backend)', () => {
  it('two participants: authenticated join, same safety number, tracks both ways behind transforms', async () => {
    const hub = new FakeKeyHub();
    const log = new FakeRtcLog();
    const joined: RemoteParticipant[] = [];
    const a = await join(hub, log, 'alice', { localStream: cam('alice-cam') });
    a.room.on('participant-joined', (p) => joined.push(p));
    const b = await join(hub, log, 'bob', { localStream: cam('bob-cam') });
    await until(() => a.tracks.length === 2 && b.tracks.length === 2, 'tracks both ways');

    expect(joined.map((p) => p.id)).toEqual(['bob']);
    expect(a.room.participants.get('bob')?.safetyNumber).toBe(b.room.participants.get('alice')?.safetyNumber);
    expect(a.room.participants.get('bob')?.safetyNumber).toBe(safetyNumberOf('alice', 'bob'));
    expect(a.tracks.every((t) => t.from === 'bob')).toBe(true);
    expect(a.tracks.map((t) => (t.track as unknown as { label: string }).label).sort()).toEqual(['bob-cam', 'mic']);
    // Fail closed: every sender attached before any signal left, every receiver before its track event.
    expect(log.violations).toEqual([]);
    expect(a.controller.senders).toHaveLength(2);
    expect(a.controller.receivers.map((r) => r.participantId)).toEqual(['bob', 'bob']);
    expect(b.controller.receivers.map((r) => r.participantId)).toEqual(['alice', 'alice']);
    // Not encrypted until frames decrypt.
    expect(a.room.participants.get('bob')?.e2eeState).toBe('establishing');
  });

  it('signal data travels only as pairwise-channel envelopes, with deterministic initiators', async () => {
    const hub = new FakeKeyHub();
    const log = new FakeRtcLog();
    const parties = [await join(hub, log, 'carol', { localStream: cam() }), await join(hub, log, 'alice', { localStream: cam() }), await join(hub, log, 'bob', { localStream: cam() })];
    await until(() => parties.every((p) => p.tracks.length === 4), 'full mesh media');
    // Exactly one initiator per pair: the smaller id.
    for (const p of log.peers) expect(p.opts.initiator).toBe(p.localId < p.opts.remoteId);
    const offers = hub.messages.map((m) => ({ m, s: decodeSignal(m.data) })).filter((x) => x.s?.type === 'offer');
    expect(offers.length).toBeGreaterThanOrEqual(3);
    for (const { m } of offers) expect(m.from < m.to).toBe(true);
    // ICE candidates went through sendToPeer (the encrypted channel), addressed pairwise.
    expect(hub.messages.some((m) => decodeSignal(m.data)?.candidate !== undefined)).toBe(true);
    for (const f of parties.map((p) => p.factory)) for (const c of f.configs) expect(c.iceServers).toEqual([]);
  });

  it('e2ee-state follows the transform: encrypted only on decrypting frames of an authenticated participant', async () => {
    const hub = new FakeKeyHub();
    const log = new FakeRtcLog();
    const a = await join(hub, log, 'alice');
    await join(hub, log, 'bob');
    await until(() => a.room.participants.has('bob'));
    a.controller.events.emit('receive-state', 'mallory', 'decrypting'); // unknown: ignored
    a.controller.events.emit('receive-state', 'bob', 'decrypting');
    a.controller.events.emit('receive-state', 'bob', 'decrypting'); // no duplicate event
    a.controller.events.emit('receive-state', 'bob', 'failing');
    a.controller.events.emit('receive-state', 'bob', 'decrypting');
    expect(a.states).toEqual([
      { id: 'bob', state: 'encrypted' }, { id: 'bob', state: 'failed' }, { id: 'bob', state: 'encrypted' },
    ]);
    expect(a.room.participants.has('mallory')).toBe(false);
    a.controller.counters.set('bob', { framesDecrypted: 7, framesFailed: 2, lastKid: 5n });
    a.controller.counters.set('', { framesEncrypted: 11, framesDropped: 1 });
    const stats = await a.room.getE2EEStats();
    expect(stats.framesEncrypted).toBe(11);
    expect(stats.framesDropped).toBe(1);
    expect(stats.participants.get('bob')).toEqual({ state: 'encrypted', framesDecrypted: 7, framesFailed: 2, audioFrames: 0, videoFrames: 0, lastKid: 5n, kids: [] });
    expect(stats.epoch).toBe(a.session.epoch);
    // Transform failures surface as room errors, codes intact.
    a.controller.events.emit('error', new RoomError('media-failed', 'worker crashed'));
    expect(a.errors.map((e) => e.code)).toEqual(['media-failed']);
    expect(a.room.callCode).toBe('alice+bob');
  });

  it('leave: others see participant-left and a new epoch; leave is idempotent and tears everything down', async () => {
    const hub = new FakeKeyHub();
    const log = new FakeRtcLog();
    const a = await join(hub, log, 'alice', { localStream: cam() });
    const b = await join(hub, log, 'bob', { localStream: cam() });
    const c = await join(hub, log, 'carol', { localStream: cam() });
    await until(() => a.tracks.length === 4 && b.tracks.length === 4 && c.tracks.length === 4);
    const left: string[] = [];
    const epochs: number[] = [];
    a.room.on('participant-left', (p) => left.push(p.id));
    a.room.on('epoch', (e) => epochs.push(e));
    const before = a.room.epoch;
    const p1 = c.room.leave();
    const p2 = c.room.leave();
    expect(p2).toBe(p1);
    await p1;
    await until(() => left.length === 1);
    expect(left).toEqual(['carol']);
    expect(epochs.at(-1)).toBeGreaterThan(before);
    expect(a.room.participants.has('carol')).toBe(false);
    expect(peersOf(log, 'carol')).toEqual([]);
    expect(peersOf(log, 'alice').map((p) => p.opts.remoteId)).toEqual(['bob']);
    expect(c.controller.closed).toBe(1);
    expect(c.session.closed).toBe(true);
    await expect(c.room.setLocalStream(cam())).rejects.toMatchObject({ code: 'room-closed' });
  });

  it('a throwing listener never breaks the room', async () => {
    const hub = new FakeKeyHub();
    const log = new FakeRtcLog();
    const a = await join(hub, log, 'alice', { localStream: cam() });
    a.room.on('participant-joined', () => {
      throw new Error('app bug');
    });
    a.room.on('track', () => {
      throw new Error('app bug 2');
    });
    const b = await join(hub, log, 'bob', { localStream: cam() });
    await until(() => a.tracks.length === 2 && b.tracks.length === 2);
    expect(a.listenerErrors.length).toBe(3);
    expect(a.errors).toEqual([]);
  });

  it('setLocalStream: camera → screen share replaces in place; new kinds renegotiate; null removes', async () => {
    const hub = new FakeKeyHub();
    const log = new FakeRtcLog();
    const a = await join(hub, log, 'alice', { localStream: fakeStream(fakeTrack('video', 'camera')) });
    const b = await join(hub, log, 'bob');
    await until(() => b.tracks.length === 1);
    const [peer] = peersOf(log, 'alice');
    if (!peer) throw new Error('no peer');
    const offersBefore = peer.offers;
    const screen = fakeTrack('video', 'screen');
    await a.room.setLocalStream(fakeStream(screen));
    const senders = [...peer.senders.values()];
    expect(senders).toHaveLength(1);
    expect(senders[0]?.track).toBe(screen);
    expect(a.controller.senders).toHaveLength(1); // same sender, still behind the transform
    await new Promise((r) => setTimeout(r, 5));
    expect(peer.offers).toBe(offersBefore); // no renegotiation for a same-kind swap

    const mic = fakeTrack('audio', 'mic');
    await a.room.setLocalStream(fakeStream(screen, mic));
    await until(() => b.tracks.length === 2, 'audio after renegotiation');
    expect(a.controller.senders).toHaveLength(2);
    expect(log.violations).toEqual([]);

    await a.room.setLocalStream(null);
    expect([...peer.senders.values()].every((s) => s.track === null)).toBe(true);
    // A late joiner gets the current (empty) set, not the original camera.
    await a.room.setLocalStream(fakeStream(screen));
    const c = await join(hub, log, 'carol');
    await until(() => c.tracks.length === 1);
    expect((c.tracks[0]?.track as unknown as { label: string }).label).toBe('screen');
  });

  it('fails closed: a sender that cannot get a transform is never sent', async () => {
    const hub = new FakeKeyHub();
    const log = new FakeRtcLog();
    const a = await join(hub, log, 'alice', { localStream: cam() });
    a.controller.failAttach = true;
    const b = await join(hub, log, 'bob');
    await until(() => a.errors.length > 0);
    expect(a.errors[0]?.code).toBe('peer-failed');
    expect(a.errors[0]?.participantId).toBe('bob');
    await new Promise((r) => setTimeout(r, 5));
    expect(b.tracks).toEqual([]);
    expect(a.room.participants.get('bob')?.e2eeState).toBe('failed');
  });

  it('bad or unauthenticated signal data becomes an error event, and the room goes on', async () => {
    const hub = new FakeKeyHub();
    const log = new FakeRtcLog();
    const a = await join(hub, log, 'alice', { localStream: cam() });
    a.session.deliver('bob', new TextEncoder().encode('{"v":1,"k":"rtc","s":{"type":"offer"}}'));
    a.session.deliver('bob', new Uint8Array([0xff, 0xfe]));
    await until(() => a.errors.length === 2);
    expect(a.errors.map((e) => e.code)).toEqual(['bad-signal', 'bad-signal']);
    a.session.deliver('mallory', new TextEncoder().encode('{"v":1,"k":"rtc","s":{"type":"offer","sdp":"[]"}}'));
    await until(() => a.errors.length === 3);
    expect(a.errors[2]?.code).toBe('bad-signal');
    expect(a.room.participants.has('mallory')).toBe(false);
    const b = await join(hub, log, 'bob', { localStream: cam() });
    await until(() => b.tracks.length === 2 && a.tracks.length === 2);
  });

  it('refuses to run without E2EE unless explicitly opted out, and never reports opt-out media as encrypted', async () => {
    const hub = new FakeKeyHub();
    const log = new FakeRtcLog();
    await expect(join(hub, log, 'x', { controller: null })).rejects.toMatchObject({ code: 'invalid-options' });
    await expect(join(hub, log, 'y', { config: {} })).rejects.toMatchObject({ code: 'invalid-options' });
    const a = await join(hub, log, 'alice', { controller: null, e2ee: 'disabled-for-testing', localStream: cam() });
    const b = await join(hub, log, 'bob', { controller: null, e2ee: 'disabled-for-testing', localStream: cam() });
    await until(() => a.tracks.length === 2 && b.tracks.length === 2);
    expect(a.room.participants.get('bob')?.e2eeState).toBe('unencrypted');
    expect(a.states.every((s) => s.state === 'unencrypted')).toBe(true);
  });
});
