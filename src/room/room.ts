/**
 * The Room: authenticated participants from the group key session, one encrypted
 * WebRTC connection to each of them (the {@link Mesh}), and the events and state an
 * app renders. Its collaborators are injected ({@link RoomInit}) so the same logic
 * runs in browsers (`joinRoom`) and in Node tests with fakes.
 *
 * Order of trust: a participant exists in the room only after the key session
 * authenticated it ('peer-joined'); WebRTC signal data is accepted only from such
 * participants and only through the pairwise AEAD channel; a participant is shown as
 * `'encrypted'` only when the transform reports its frames decrypting.
 *
 * @module
 */
import { SealError } from '../errors.js';
import { TypedEmitter } from '../events.js';
import { RoomError } from './errors.js';
import { Mesh } from './mesh.js';
import { Participant } from './participant.js';
import { decodeSignal, encodeSignal, type PeerFactory } from './peer.js';
import { SerialQueue } from './queue.js';
import type { RoomRole } from './host.js';
import type { AdmissionRequest } from './safeguard-types.js';
import type { Safeguards } from './safeguards.js';
import type { AuditLog } from './audit/index.js';
import type {
  E2EEState, LocalParticipant, ParticipantE2EEStats, RemoteParticipant, RoomE2EEStats, RoomEvents,
  RoomKeySession, RoomMediaController, SessionPeer,
} from './types.js';

/** Everything a {@link Room} is built from. */
export interface RoomInit {
  roomId: string;
  session: RoomKeySession;
  /** The E2EE transform controller; `null` only with `e2ee: 'disabled-for-testing'`. */
  controller: RoomMediaController | null;
  e2ee: 'required' | 'disabled-for-testing';
  peerFactory: PeerFactory;
  /** Final `RTCPeerConnection` config: app config + `iceServers` + the controller's `rtcConfig`. */
  config: RTCConfiguration;
  localParticipant: LocalParticipant;
  localStream?: MediaStream;
  /** Where exceptions thrown by app listeners go (default: re-thrown asynchronously). */
  onListenerError?: (error: unknown) => void;
  /** Shared event emitter (the safeguards emit on it too). */
  events?: TypedEmitter<RoomEvents>;
  /** Roles, lobby, host commands, audit, log-off, chat and files (`joinRoomWith` builds them). */
  safeguards?: Safeguards;
}

/**
 * A joined room. Create it with `joinRoom`.
 *
 * @example
 * ```ts
 * const room = await joinRoom({ roomId, identity, signaling, localStream });
 * room.on('track', (track, stream, p) => show(p.id, stream));
 * room.on('e2ee-state', (p, state) => badge(p.id, state));
 * await room.leave();
 * ```
 */
export class Room {
  readonly roomId: string;
  readonly localParticipant: LocalParticipant;
  readonly #init: RoomInit;
  readonly #events: TypedEmitter<RoomEvents>;
  readonly #queue = new SerialQueue();
  readonly #participants = new Map<string, Participant>();
  readonly #mesh: Mesh;
  readonly #offs: (() => void)[] = [];
  #localStream: MediaStream | null;
  #leaving: Promise<void> | undefined;

  /**
   * Build a room from its collaborators and start the key session.
   *
   * @throws RoomError `'invalid-options'` when E2EE is required but no controller was given.
   * @example
   * ```ts
   * const room = await Room.open({ roomId, session, controller, e2ee: 'required', peerFactory, config, localParticipant });
   * ```
   */
  static async open(init: RoomInit): Promise<Room> {
    const room = new Room(init);
    try {
      await init.session.start();
    } catch (error) {
      // The start failure is what the caller must see. A teardown failure on top of it goes to
      // the room's 'error' event instead of replacing it (no app listener exists yet, so in
      // practice it is dropped; the start error already says the room is unusable).
      await room.leave().catch((teardown: unknown) => {
        if (teardown instanceof SealError) room.#emitError(teardown);
      });
      throw error;
    }
    return room;
  }

  private constructor(init: RoomInit) {
    if (init.e2ee === 'required' && !init.controller) {
      throw new RoomError('invalid-options', 'E2EE is required but no media controller was given');
    }
    if (!init.config.iceServers) throw new RoomError('invalid-options', 'config.iceServers must be set explicitly');
    this.#init = init;
    this.roomId = init.roomId;
    this.localParticipant = init.localParticipant;
    this.#localStream = init.localStream ?? null;
    this.#events = init.events ?? new TypedEmitter<RoomEvents>(init.onListenerError ? { onListenerError: init.onListenerError } : undefined);
    const { session, controller } = init;
    this.#mesh = new Mesh({
      localId: session.localId,
      factory: init.peerFactory,
      config: init.config,
      ...(init.safeguards ? { links: init.safeguards.links } : {}),
      hooks: {
        onSignal: (id, signal) => this.#guard(id, () => session.sendToPeer(id, encodeSignal(signal))),
        onTrack: (id, track, stream) => this.#onTrack(id, track, stream),
        onConnect: (id) => {
          if (!controller) this.#setState(id, 'unencrypted');
        },
        onPeerFailed: (id, error) => {
          this.#mesh.close(id);
          this.#setState(id, 'failed');
          this.#emitError(error);
        },
        attachSender: (sender) => controller?.attachSender(sender),
        attachReceiver: (receiver, id) => controller?.attachReceiver(receiver, id),
      },
    });
    if (this.#localStream) this.#mesh.setTracks(this.#localStream);
    this.#offs.push(
      session.on('peer-joined', (peer) => void this.#enqueue(() => this.#addParticipant(peer))),
      session.on('peer-left', (peer) => void this.#enqueue(() => this.#removeParticipant(peer.id))),
      session.on('peer-message', (id, data) => void this.#enqueue(() => this.#onPeerMessage(id, data))),
      session.on('epoch', (epoch) => this.#emit('epoch', epoch)),
      session.on('call-code', (code) => this.#emit('call-code', code)),
      session.on('identity-changed', (change) => this.#emit('identity-changed', change)),
      session.on('error', (error) => this.#emitError(error)),
    );
    if (controller) {
      this.#offs.push(
        controller.on('receive-state', (id, state) => {
          // Keys reach the controller only from authenticated key exchanges, so a
          // decrypting stream from a present, authenticated participant is real E2EE.
          if (!session.peers.has(id)) return;
          this.#setState(id, state === 'decrypting' ? 'encrypted' : 'failed');
        }),
        controller.on('error', (error) => this.#emitError(error)),
      );
    }
  }

  /** Authenticated remote participants by id. */
  get participants(): ReadonlyMap<string, RemoteParticipant> {
    return this.#participants;
  }

  /** This device's current sender epoch. */
  get epoch(): number {
    return this.#init.session.epoch;
  }

  /** Group call code over every member's keys: all participants show the same one. */
  get callCode(): string {
    return this.#init.session.callCode;
  }

  /** The local stream currently sent, if any. */
  get localStream(): MediaStream | null {
    return this.#localStream;
  }

  /** Whether `leave()` was called. */
  get left(): boolean {
    return this.#leaving !== undefined;
  }

  // ---- safeguards (src/room/safeguards.ts, docs/hipaa.md); each throws RoomError 'invalid-options' without them

  /** This device's signed, hash-chained audit trail (`audit.export()` → JSON Lines). */
  get audit(): AuditLog { return this.#sg().audit; }
  /** This device's role: `'host'`, `'co-host'` or `'participant'`. */
  get role(): RoomRole { return this.#sg().role; }
  /** Whether a host locked the room (no new admissions). */
  get locked(): boolean { return this.#sg().access.locked; }
  /** Joiners waiting for admission (host/co-host view). */
  get lobby(): ReadonlyMap<string, AdmissionRequest> { return this.#sg().access.waiting; }
  /** Host: admit a waiting joiner; only now do members release keys to it. @throws AccessError */
  admit(id: string): Promise<void> { return this.#sg().access.admit(id); }
  /** Host: refuse a waiting joiner. @throws AccessError */
  deny(id: string): Promise<void> { return this.#sg().access.deny(id); }
  /** Host: expel a member; it is cut off and every remaining sender re-keys. @throws AccessError */
  expel(id: string): Promise<void> { return this.#sg().access.expel(id); }
  /** Host/co-host: no new admissions until {@link Room.unlock}. @throws AccessError */
  lock(): Promise<void> { return this.#sg().access.broadcast('lock'); }
  /** Host/co-host: allow admissions again. @throws AccessError */
  unlock(): Promise<void> { return this.#sg().access.broadcast('unlock'); }
  /** Host: end the meeting for everyone (each member leaves and zeroes its keys). @throws AccessError */
  endForAll(): Promise<void> { return this.#sg().access.broadcast('end'); }
  /** Host: make a member co-host. @throws AccessError */
  makeCoHost(id: string): Promise<void> { return this.#sg().access.broadcast('co-host', id); }
  /** Host: hand the host role to a member (e.g. before leaving). @throws AccessError */
  handOver(id: string): Promise<void> { return this.#sg().access.broadcast('hand-over', id); }
  /** Audit that the user compared a verification string with a participant out of band. */
  markVerified(id: string, result: 'match' | 'mismatch' = 'match', method: 'safety-number' | 'sas' | 'call-code' = 'safety-number'): void {
    this.#sg().markVerified(id, result, method);
  }
  /** The user is active: push the idle log-off deadline back. */
  reportActivity(): void { this.#sg().reportActivity(); }
  /** Send an end-to-end sealed chat message to every member currently keyed; returns their ids. @throws ChatError */
  sendChat(text: string): Promise<string[]> { return this.#sg().data.sendChat(text); }
  /** Send an encrypted file to every member currently keyed ('file-progress' events). @throws FileTransferError */
  sendFile(file: Blob | Uint8Array, options?: { name?: string; mimeType?: string; signal?: AbortSignal }): Promise<string[]> {
    return this.#sg().data.sendFile(file, options);
  }

  #sg(): Safeguards {
    if (!this.#init.safeguards) throw new RoomError('invalid-options', 'this room was built without safeguards');
    return this.#init.safeguards;
  }

  /** Subscribe to a room event; returns the unsubscribe function. */
  on<K extends keyof RoomEvents & string>(event: K, listener: (...args: RoomEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Subscribe for one emission. */
  once<K extends keyof RoomEvents & string>(event: K, listener: (...args: RoomEvents[K]) => void): () => void {
    return this.#events.once(event, listener);
  }

  /** Unsubscribe. */
  off<K extends keyof RoomEvents & string>(event: K, listener: (...args: RoomEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  /**
   * Send `stream`'s tracks instead of the current ones (camera → screen share): same-kind
   * tracks are swapped in place on the already-encrypting senders; new kinds are added
   * behind the encrypt transform before negotiation; `null` stops sending.
   * Per-participant failures are emitted as `'error'` (`'media-failed'`).
   *
   * @throws RoomError `'room-closed'` after `leave()`.
   * @example
   * ```ts
   * await room.setLocalStream(await navigator.mediaDevices.getDisplayMedia({ video: true }));
   * ```
   */
  setLocalStream(stream: MediaStream | null): Promise<void> {
    return this.#enqueue(() => {
      for (const failure of this.#mesh.setTracks(stream)) this.#emitError(failure);
      this.#localStream = stream;
    }, true);
  }

  /**
   * Per-participant E2EE counters and state, and this device's epoch.
   *
   * @example
   * ```ts
   * const { epoch, participants } = await room.getE2EEStats();
   * ```
   */
  async getE2EEStats(): Promise<RoomE2EEStats> {
    const raw = (await this.#init.controller?.getStats()) ?? new Map();
    const local = raw.get('');
    const participants = new Map<string, ParticipantE2EEStats>();
    for (const [id, p] of this.#participants) {
      const c = raw.get(id);
      participants.set(id, {
        state: p.e2eeState,
        framesDecrypted: c?.framesDecrypted ?? 0,
        framesFailed: c?.framesFailed ?? 0,
        audioFrames: c?.audioFrames ?? 0,
        videoFrames: c?.videoFrames ?? 0,
        lastKid: c?.lastKid,
        kids: [...(c?.kids ?? [])],
      });
    }
    return {
      epoch: this.#init.session.epoch,
      framesEncrypted: local?.framesEncrypted ?? 0,
      framesDropped: local?.framesDropped ?? 0,
      sendKid: local?.kids?.[0] ?? local?.lastKid,
      participants,
    };
  }

  /**
   * Leave: close every connection, stop the transforms, close the key session (which
   * zeroes its keys and makes the others rekey). Idempotent: later calls return the
   * same promise. Local tracks stay the app's to stop.
   *
   * @example
   * ```ts
   * await room.leave();
   * ```
   */
  leave(): Promise<void> {
    if (this.#leaving) return this.#leaving;
    // Stop reacting at once; the teardown itself waits for queued work to settle.
    for (const off of this.#offs.splice(0)) off();
    this.#leaving = this.#queue.run(async () => {
      this.#mesh.closeAll();
      this.#participants.clear();
      this.#init.controller?.close();
      await this.#init.session.close();
    });
    return this.#leaving;
  }

  // ---- internals ------------------------------------------------------------------------------

  #enqueue(task: () => void | Promise<void>, rejectIfLeft = false): Promise<void> {
    if (this.#leaving) {
      return rejectIfLeft ? Promise.reject(new RoomError('room-closed', 'the room was left')) : Promise.resolve();
    }
    return this.#queue.run(async () => {
      if (this.#leaving) {
        if (rejectIfLeft) throw new RoomError('room-closed', 'the room was left');
        return;
      }
      await task();
    }).catch((error: unknown) => {
      if (rejectIfLeft) throw error;
      this.#emitError(error instanceof SealError ? error : new RoomError('peer-failed', 'room state change failed', { cause: error }));
    });
  }

  #addParticipant(peer: SessionPeer): void {
    if (this.#participants.has(peer.id)) return;
    const p = new Participant(peer, 'establishing');
    this.#participants.set(p.id, p);
    this.#emit('participant-joined', p);
    try {
      this.#mesh.open(p.id);
    } catch (error) {
      this.#setState(p.id, 'failed');
      throw error;
    }
  }

  #removeParticipant(id: string): void {
    const p = this.#participants.get(id);
    this.#mesh.close(id);
    if (!p) return;
    this.#participants.delete(id);
    this.#emit('participant-left', p);
  }

  #onPeerMessage(id: string, data: Uint8Array): void {
    const signal = decodeSignal(data);
    if (!signal) return; // another kind of room message: not the mesh's
    if (!this.#participants.has(id)) {
      // The key session may deliver a peer's first message before our 'peer-joined' task ran.
      const peer = this.#init.session.peers.get(id);
      if (!peer) throw new RoomError('bad-signal', 'signal data from an unauthenticated participant');
      this.#addParticipant(peer);
    }
    this.#mesh.signal(id, signal);
  }

  #onTrack(id: string, track: MediaStreamTrack, stream: MediaStream): void {
    const p = this.#participants.get(id);
    if (!p || this.#leaving) return;
    p.addTrack(track);
    if (!this.#init.controller) this.#setState(id, 'unencrypted');
    this.#emit('track', track, stream, p);
  }

  #setState(id: string, state: E2EEState): void {
    const p = this.#participants.get(id);
    if (!p || this.#leaving) return;
    if (p.setState(state)) this.#emit('e2ee-state', p, state);
  }

  #guard(id: string, fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      this.#emitError(new RoomError('peer-failed', 'could not send signal data', { cause, participantId: id }));
    }
  }

  #emit<K extends keyof RoomEvents & string>(event: K, ...args: RoomEvents[K]): void {
    if (this.#leaving && event !== 'error') return;
    this.#events.emit(event, ...args);
  }

  #emitError(error: SealError): void {
    this.#events.emit('error', error);
  }
}
