/**
 * The full mesh: one {@link MeshPeer} per remote participant, all sending the same
 * local tracks. Owns the deterministic initiator rule, the local track set and its
 * diffing (add / replace / remove → renegotiation only where needed), and the hooks
 * that put every sender and receiver behind the E2EE transform before media can flow.
 *
 * @module
 */
import { RoomError } from './errors.js';
import type { MeshPeer, PeerFactory, PeerSignal } from './peer.js';

/** One local track as the peers know it: simple-peer keys senders by (track, first stream). */
interface SentTrack {
  track: MediaStreamTrack;
  stream: MediaStream;
}

/** Callbacks the mesh reports through (the room wires them to its events and state). */
export interface MeshHooks {
  onSignal(remoteId: string, signal: PeerSignal): void;
  onTrack(remoteId: string, track: MediaStreamTrack, stream: MediaStream): void;
  onConnect(remoteId: string): void;
  onPeerFailed(remoteId: string, error: RoomError): void;
  /** Put a new sender behind the encrypt transform; throwing aborts sending that track. */
  attachSender(sender: RTCRtpSender): void;
  attachReceiver(receiver: RTCRtpReceiver, remoteId: string): void;
}

/** Options of {@link Mesh}. */
export interface MeshOptions {
  localId: string;
  factory: PeerFactory;
  config: RTCConfiguration;
  hooks: MeshHooks;
  /** The data channel transport (room chat and files): told of every peer made and closed. */
  links?: { attach(remoteId: string, peer: MeshPeer): void; detach(remoteId: string): void };
}

/**
 * Decide which side of a pair creates the offer: the lexicographically smaller id.
 * Both sides compute the same answer, so there is never glare.
 *
 * @example
 * ```ts
 * isInitiator('a', 'b'); // true
 * ```
 */
export function isInitiator(localId: string, remoteId: string): boolean {
  return localId < remoteId;
}

/**
 * The set of peer connections of one room.
 *
 * @example
 * ```ts
 * const mesh = new Mesh({ localId, factory, config, hooks });
 * mesh.open('bob');
 * mesh.setTracks(stream);
 * ```
 */
export class Mesh {
  readonly #opts: MeshOptions;
  readonly #peers = new Map<string, { peer: MeshPeer; offs: (() => void)[] }>();
  #sent: SentTrack[] = [];
  /** Senders already behind a transform: replaceTrack keeps the sender, so never attach twice. */
  readonly #attachedSenders = new WeakSet<RTCRtpSender>();
  readonly #attachedReceivers = new WeakSet<RTCRtpReceiver>();

  constructor(options: MeshOptions) {
    this.#opts = options;
  }

  /** Remote ids with a live peer. */
  get remoteIds(): string[] {
    return [...this.#peers.keys()];
  }

  has(remoteId: string): boolean {
    return this.#peers.has(remoteId);
  }

  /**
   * Create the peer for `remoteId` (no-op when it exists), sending the current tracks.
   *
   * @throws RoomError `'peer-failed'` when the backend cannot create the connection.
   */
  open(remoteId: string): void {
    if (this.#peers.has(remoteId)) return;
    const { factory, config, hooks, localId } = this.#opts;
    let peer: MeshPeer;
    try {
      peer = factory({
        initiator: isInitiator(localId, remoteId),
        remoteId,
        config,
        onSender: (sender) => {
          if (this.#attachedSenders.has(sender)) return;
          hooks.attachSender(sender);
          this.#attachedSenders.add(sender);
        },
        onReceiver: (receiver) => {
          if (this.#attachedReceivers.has(receiver)) return;
          hooks.attachReceiver(receiver, remoteId);
          this.#attachedReceivers.add(receiver);
        },
      });
    } catch (cause) {
      throw new RoomError('peer-failed', 'could not create the peer connection', { cause, participantId: remoteId });
    }
    const offs = [
      peer.on('signal', (s) => hooks.onSignal(remoteId, s)),
      peer.on('track', (t, s) => hooks.onTrack(remoteId, t, s)),
      peer.on('connect', () => hooks.onConnect(remoteId)),
      peer.on('error', (cause) => {
        hooks.onPeerFailed(remoteId, new RoomError('peer-failed', `peer connection failed (${cause.code ?? 'unknown'})`, { cause, participantId: remoteId }));
      }),
    ];
    this.#peers.set(remoteId, { peer, offs });
    this.#opts.links?.attach(remoteId, peer);
    // Track by track rather than a `streams` option: after a replace, a sender's stream
    // no longer holds its track, and the (track, stream) pair is the backend's sender key.
    for (const s of this.#sent) {
      try {
        peer.addTrack(s.track, s.stream);
      } catch (cause) {
        this.close(remoteId);
        throw new RoomError('peer-failed', 'could not send local media to a participant', { cause, participantId: remoteId });
      }
    }
  }

  /**
   * Apply signal data from `remoteId`.
   *
   * @throws RoomError `'bad-signal'` when no peer exists or the backend rejects the data.
   */
  signal(remoteId: string, data: PeerSignal): void {
    const entry = this.#peers.get(remoteId);
    if (!entry) throw new RoomError('bad-signal', 'signal for a participant without a connection', { participantId: remoteId });
    try {
      entry.peer.signal(data);
    } catch (cause) {
      throw new RoomError('bad-signal', 'the peer connection rejected signal data', { cause, participantId: remoteId });
    }
  }

  /** Close and forget the peer for `remoteId`; idempotent. */
  close(remoteId: string): void {
    const entry = this.#peers.get(remoteId);
    if (!entry) return;
    this.#peers.delete(remoteId);
    this.#opts.links?.detach(remoteId);
    for (const off of entry.offs) off();
    entry.peer.destroy();
  }

  /** Close every peer. */
  closeAll(): void {
    for (const id of [...this.#peers.keys()]) this.close(id);
  }

  /**
   * Make `stream`'s tracks the local tracks of every peer: same-kind tracks are
   * replaced in place (no renegotiation, e.g. camera → screen share), new kinds are
   * added and missing kinds removed (renegotiation). `null` stops sending.
   * Returns per-peer failures (the room reports them; other peers are unaffected).
   */
  setTracks(stream: MediaStream | null): RoomError[] {
    const next = stream ? stream.getTracks() : [];
    const remaining = [...this.#sent];
    const plan: { kind: 'replace'; from: SentTrack; to: MediaStreamTrack }[] = [];
    const adds: MediaStreamTrack[] = [];
    for (const track of next) {
      const same = remaining.findIndex((s) => s.track === track);
      if (same >= 0) {
        remaining.splice(same, 1);
        continue;
      }
      const sameKind = remaining.findIndex((s) => s.track.kind === track.kind);
      if (sameKind >= 0) {
        const [from] = remaining.splice(sameKind, 1);
        if (from) plan.push({ kind: 'replace', from, to: track });
      } else adds.push(track);
    }
    const failures: RoomError[] = [];
    const each = (what: string, fn: (peer: MeshPeer) => void): void => {
      for (const [id, { peer }] of this.#peers) {
        try {
          fn(peer);
        } catch (cause) {
          failures.push(new RoomError('media-failed', `could not ${what} a local track`, { cause, participantId: id }));
        }
      }
    };
    const sent: SentTrack[] = this.#sent.filter((s) => !remaining.includes(s));
    for (const step of plan) {
      each('replace', (p) => p.replaceTrack(step.from.track, step.to, step.from.stream));
      const i = sent.indexOf(step.from);
      sent[i] = { track: step.to, stream: step.from.stream };
    }
    for (const gone of remaining) each('remove', (p) => p.removeTrack(gone.track, gone.stream));
    for (const track of adds) {
      if (!stream) break;
      each('add', (p) => p.addTrack(track, stream));
      sent.push({ track, stream });
    }
    this.#sent = sent;
    return failures;
  }

  /** The tracks currently sent. */
  get localTracks(): MediaStreamTrack[] {
    return this.#sent.map((s) => s.track);
  }
}
