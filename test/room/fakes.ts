/**
 * Fakes for driving the Room in Node: an in-memory key session hub (authenticated
 * peers, pairwise messages, epochs), a media controller that records transform
 * attachment, and a WebRTC backend whose "SDP" lists the sender's tracks.
 */
import type { SealError } from '../../src/errors.js';
import { TypedEmitter } from '../../src/events.js';
import type { MeshPeer, MeshPeerEvents, PeerFactory, PeerFactoryOptions, PeerSignal } from '../../src/room/peer.js';
import type { RoomKeySink } from '../../src/room/join.js';
import type { MediaCounters, RoomKeySession, RoomMediaController, SessionEvents, SessionPeer } from '../../src/room/types.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

// ---- media objects ---------------------------------------------------------------------------

let nextId = 0;
export interface FakeTrack { id: string; kind: 'audio' | 'video'; label: string }
export function fakeTrack(kind: 'audio' | 'video', label: string = kind): MediaStreamTrack {
  return { id: `t${nextId++}`, kind, label } as unknown as MediaStreamTrack;
}
export function fakeStream(...tracks: MediaStreamTrack[]): MediaStream {
  return { id: `s${nextId++}`, getTracks: () => [...tracks] } as unknown as MediaStream;
}

// ---- key session -----------------------------------------------------------------------------

export class FakeKeyHub {
  readonly sessions = new Map<string, FakeKeySession>();
  /** Every pairwise message (the test inspects what went through the encrypted channel). */
  readonly messages: { from: string; to: string; data: Uint8Array }[] = [];
  session(id: string, displayName?: string): FakeKeySession {
    return new FakeKeySession(this, id, displayName);
  }
}

export function safetyNumberOf(a: string, b: string): string {
  return [a, b].sort().join('|');
}

export class FakeKeySession implements RoomKeySession {
  readonly events = new TypedEmitter<SessionEvents>();
  readonly peers = new Map<string, SessionPeer>();
  epoch = 0;
  closed = false;
  get callCode(): string {
    return [this.localId, ...this.peers.keys()].sort().join('+');
  }
  constructor(readonly hub: FakeKeyHub, readonly localId: string, readonly displayName?: string) {}

  info(forPeer: string): SessionPeer {
    return { id: this.localId, displayName: this.displayName, identityKey: new Uint8Array(32).fill(this.localId.charCodeAt(0)), safetyNumber: safetyNumberOf(this.localId, forPeer), sas: 'sas' };
  }
  on<K extends keyof SessionEvents & string>(event: K, listener: (...args: SessionEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }
  async start(): Promise<void> {
    this.hub.sessions.set(this.localId, this);
    await tick();
    for (const other of this.hub.sessions.values()) {
      if (other === this || other.closed) continue;
      other.#join(this);
      this.#join(other);
    }
  }
  #join(other: FakeKeySession): void {
    this.peers.set(other.localId, other.info(this.localId));
    this.epoch++;
    this.events.emit('epoch', this.epoch);
    this.events.emit('peer-joined', other.info(this.localId));
  }
  sendToPeer(peerId: string, data: Uint8Array): void {
    if (!this.peers.has(peerId)) throw new Error('not an authenticated peer');
    const to = this.hub.sessions.get(peerId);
    this.hub.messages.push({ from: this.localId, to: peerId, data: data.slice() });
    setTimeout(() => to?.deliver(this.localId, data.slice()), 0);
  }
  /** What the session emits when a pairwise message opens (tests also inject here). */
  deliver(from: string, data: Uint8Array): void {
    if (!this.closed) this.events.emit('peer-message', from, data);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.sessions.delete(this.localId);
    for (const other of this.hub.sessions.values()) {
      const me = other.peers.get(this.localId);
      if (!me) continue;
      other.peers.delete(this.localId);
      other.events.emit('peer-left', me);
      other.epoch++;
      other.events.emit('epoch', other.epoch);
    }
  }
}

// ---- media controller ------------------------------------------------------------------------

export class FakeController implements RoomMediaController {
  readonly rtcConfig = { encodedInsertableStreams: true } as Partial<RTCConfiguration>;
  readonly senders: RTCRtpSender[] = [];
  readonly receivers: { receiver: RTCRtpReceiver; participantId: string }[] = [];
  readonly events = new TypedEmitter<{ 'receive-state': [string, 'decrypting' | 'failing']; error: [SealError] }>();
  readonly counters = new Map<string, MediaCounters>();
  closed = 0;
  failAttach = false;
  attachSender(sender: RTCRtpSender): void {
    if (this.failAttach) throw new Error('transform unavailable');
    this.senders.push(sender);
  }
  attachReceiver(receiver: RTCRtpReceiver, participantId: string): void {
    this.receivers.push({ receiver, participantId });
  }
  async getStats(): Promise<ReadonlyMap<string, MediaCounters>> {
    return this.counters;
  }
  on(event: 'receive-state', listener: (id: string, s: 'decrypting' | 'failing') => void): () => void;
  on(event: 'error', listener: (error: SealError) => void): () => void;
  on(event: 'receive-state' | 'error', listener: ((id: string, s: 'decrypting' | 'failing') => void) | ((error: SealError) => void)): () => void {
    return event === 'error'
      ? this.events.on('error', listener as (error: SealError) => void)
      : this.events.on('receive-state', listener as (id: string, s: 'decrypting' | 'failing') => void);
  }
  close(): void {
    this.closed++;
  }
}

/** A controller that also keeps the keys it is handed (as KIDs → owner) like the worker would. */
export class KeySpyController extends FakeController implements RoomKeySink {
  sendKid: bigint | undefined;
  readonly receive = new Map<bigint, string>();
  readonly removed: bigint[] = [];
  setSendKey(kid: bigint): void {
    this.sendKid = kid;
  }
  addReceiveKey(participantId: string, kid: bigint): void {
    this.receive.set(kid, participantId);
  }
  removeKey(kid: bigint): void {
    this.receive.delete(kid);
    this.removed.push(kid);
  }
  kidsOf(participantId: string): bigint[] {
    return [...this.receive].filter(([, p]) => p === participantId).map(([k]) => k);
  }
}

// ---- WebRTC backend --------------------------------------------------------------------------

export interface FakeSender { mid: string; track: MediaStreamTrack | null; attached: boolean }
export interface FakeReceiver { trackId: string; attachedBeforeTrack: boolean }

/** Log of everything all fake peers did, for assertions. */
export class FakeRtcLog {
  readonly peers: FakePeer[] = [];
  readonly violations: string[] = [];
  /** Every data channel message sent (what a test hands on, or checks the relay never saw). */
  readonly data: { from: string; to: string; data: Uint8Array }[] = [];
  /** While true, data channels stay closed (a peer "connects" only when this is cleared). */
  holdData = false;
}

/** A peer whose SDP is the JSON list of its live senders' track ids and kinds. */
export class FakePeer extends TypedEmitter<MeshPeerEvents> implements MeshPeer {
  readonly senders = new Map<MediaStreamTrack, FakeSender>();
  readonly received = new Map<string, MediaStreamTrack>();
  offers = 0;
  destroyed = false;
  connected = false;
  /** What `dataBufferedAmount` reports (tests raise it to exercise back-pressure). */
  buffered = 0;
  #pending = false;
  constructor(readonly opts: PeerFactoryOptions, readonly localId: string, readonly log: FakeRtcLog) {
    super();
    if (opts.initiator) this.#negotiate();
  }
  #sdp(): string {
    return JSON.stringify([...this.senders.values()].flatMap((s) => (s.track ? [{ id: s.mid, kind: s.track.kind, label: (s.track as unknown as FakeTrack).label }] : [])));
  }
  #negotiate(): void {
    if (this.#pending) return;
    this.#pending = true;
    queueMicrotask(() => {
      this.#pending = false;
      if (this.destroyed) return;
      if (!this.opts.initiator) return void this.emit('signal', { type: 'renegotiate', renegotiate: true });
      this.offers++;
      this.#emitSignal({ type: 'offer', sdp: this.#sdp() });
    });
  }
  #emitSignal(s: PeerSignal): void {
    for (const sender of this.senders.values()) if (!sender.attached) this.log.violations.push('signal before sender attached');
    this.emit('signal', s);
    this.emit('signal', { type: 'candidate', candidate: { candidate: `candidate:1 1 udp 1 127.0.0.1 ${5000 + this.offers} typ host`, sdpMid: '0', sdpMLineIndex: 0 } });
  }
  #apply(sdp: string): void {
    const list = JSON.parse(sdp) as FakeTrack[];
    for (const t of list) {
      if (this.received.has(t.id)) continue;
      const receiver = { trackId: t.id, attachedBeforeTrack: false } as FakeReceiver;
      this.opts.onReceiver(receiver as unknown as RTCRtpReceiver);
      receiver.attachedBeforeTrack = true;
      const track = { id: `r-${t.id}`, kind: t.kind, label: t.label } as unknown as MediaStreamTrack;
      this.received.set(t.id, track);
      this.emit('track', track, fakeStream(track));
    }
  }
  signal(data: PeerSignal): void {
    if (this.destroyed) throw new Error('destroyed');
    if (data.renegotiate && this.opts.initiator) this.#negotiate();
    if (data.type === 'offer' && data.sdp !== undefined) {
      this.#apply(data.sdp);
      this.#emitSignal({ type: 'answer', sdp: this.#sdp() });
      this.#connect();
    } else if (data.type === 'answer' && data.sdp !== undefined) {
      this.#apply(data.sdp);
      this.#connect();
    }
  }
  #signaled = false;
  #connect(): void {
    this.#signaled = true;
    if (this.connected || this.log.holdData) return;
    this.connected = true;
    this.emit('connect');
  }
  /** Open a data channel held back by `log.holdData` (call after clearing it). */
  release(): void {
    if (!this.destroyed && this.#signaled) this.#connect();
  }
  /** The live peer on the other side of this connection. */
  counterpart(): FakePeer | undefined {
    return this.log.peers.find((p) => !p.destroyed && p.localId === this.opts.remoteId && p.opts.remoteId === this.localId);
  }
  get dataOpen(): boolean {
    return this.connected && !this.destroyed;
  }
  get dataBufferedAmount(): number {
    return this.buffered;
  }
  sendData(data: Uint8Array): void {
    if (!this.dataOpen) throw new Error('data channel not open');
    this.log.data.push({ from: this.localId, to: this.opts.remoteId, data: data.slice() });
    const copy = data.slice();
    setTimeout(() => {
      const other = this.counterpart();
      if (other && !this.destroyed) other.emit('data', copy);
    }, 0);
  }
  addTrack(track: MediaStreamTrack, _stream: MediaStream): void {
    if (this.senders.has(track)) throw new Error('already added');
    const sender: FakeSender = { mid: `m${this.senders.size}-${track.id}`, track, attached: false };
    this.senders.set(track, sender);
    this.opts.onSender(sender as unknown as RTCRtpSender);
    sender.attached = true;
    this.#negotiate();
  }
  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, _stream: MediaStream): void {
    const sender = this.senders.get(oldTrack);
    if (!sender) throw new Error('never added');
    this.senders.delete(oldTrack);
    sender.track = newTrack;
    this.senders.set(newTrack, sender);
  }
  removeTrack(track: MediaStreamTrack, _stream: MediaStream): void {
    const sender = this.senders.get(track);
    if (!sender) throw new Error('never added');
    sender.track = null;
    this.#negotiate();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

export function fakeFactory(localId: string, log: FakeRtcLog): PeerFactory & { configs: RTCConfiguration[] } {
  const configs: RTCConfiguration[] = [];
  const f = (opts: PeerFactoryOptions): MeshPeer => {
    configs.push(opts.config);
    const p = new FakePeer(opts, localId, log);
    log.peers.push(p);
    return p;
  };
  return Object.assign(f, { configs });
}

/** Wait until `cond()` holds, polling the event loop a bounded number of times. */
export async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (cond()) return;
    await tick();
  }
  throw new Error(`never reached: ${what}`);
}
