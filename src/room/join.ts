/**
 * `joinRoom` wiring, with its collaborators injected: check the options, fail closed
 * when the browser cannot encrypt media, start the transform controller and the key
 * session (which feeds the controller its keys), and build the {@link Room}.
 *
 * @module
 */
import { SealError } from '../errors.js';
import type { Signaling } from '../signaling/types.js';
import { RoomError } from './errors.js';
import type { PeerFactory } from './peer.js';
import { Room } from './room.js';
import { Safeguards } from './safeguards.js';
import { TypedEmitter } from '../events.js';
import { AccessError } from './host.js';
import type { JoinRoomOptions, LocalParticipant, RoomEvents, RoomKeySession, RoomMediaController, SessionPeer } from './types.js';

/** Where the key session puts media keys (the controller, or nowhere in the testing opt-out). */
export interface RoomKeySink {
  setSendKey(kid: bigint, baseKey: Uint8Array): void;
  addReceiveKey(participantId: string, kid: bigint, baseKey: Uint8Array): void;
  removeKey(kid: bigint): void;
}

/** The identity fields the room shows as `localParticipant`. */
export interface RoomIdentity {
  readonly publicKey: Uint8Array;
  readonly displayName?: string;
  /** Ed25519-sign (host commands, audit entries, chat). */
  sign(message: Uint8Array): Uint8Array;
}

/** The factories `joinRoom` uses (real ones in browsers, fakes in Node tests). */
export interface JoinDeps<I extends RoomIdentity> {
  /** Rejects with code `'e2ee-unsupported'` when encoded transforms are missing. */
  createController(options: { worker?: Worker }): Promise<RoomMediaController & RoomKeySink>;
  createSession(options: { roomId: string; identity: I; signaling: Signaling; keySink: RoomKeySink; holdKeys: (peer: SessionPeer) => boolean }): RoomKeySession;
  peerFactory: PeerFactory;
  onListenerError?: (error: unknown) => void;
}

/** Keys are dropped on the floor: only for `e2ee: 'disabled-for-testing'`. */
const DISCARD_KEYS: RoomKeySink = { setSendKey() {}, addReceiveKey() {}, removeKey() {} };

function validate(options: JoinRoomOptions<RoomIdentity>): void {
  const bad = (what: string): RoomError => new RoomError('invalid-options', `joinRoom: ${what}`);
  if (typeof options !== 'object' || options === null) throw bad('options must be an object');
  if (typeof options.roomId !== 'string' || options.roomId.length === 0) throw bad('roomId must be a non-empty string');
  const s = options.signaling as Partial<Signaling> | undefined;
  if (!s || typeof s.localId !== 'string' || typeof s.send !== 'function' || typeof s.onMessage !== 'function')
    throw bad('signaling must implement the Signaling interface');
  if (!options.identity || !(options.identity.publicKey instanceof Uint8Array) || typeof options.identity.sign !== 'function')
    throw bad('identity must come from createIdentity');
  if (options.iceServers !== undefined && !Array.isArray(options.iceServers)) throw bad('iceServers must be an array');
  if (options.e2ee !== undefined && options.e2ee !== 'required' && options.e2ee !== 'disabled-for-testing')
    throw bad("e2ee must be 'required' or 'disabled-for-testing'");
}

/**
 * Join a room with explicit collaborators. Apps call `joinRoom`; this is its core.
 *
 * @throws RoomError `'invalid-options'`, `'e2ee-unsupported'`; the key session's own errors from `start()`.
 * @example
 * ```ts
 * const room = await joinRoomWith(options, { createController, createSession, peerFactory });
 * ```
 */
export async function joinRoomWith<I extends RoomIdentity>(options: JoinRoomOptions<I>, deps: JoinDeps<I>): Promise<Room> {
  validate(options);
  const e2ee = options.e2ee ?? 'required';
  let controller: (RoomMediaController & RoomKeySink) | null = null;
  if (e2ee === 'required') {
    try {
      controller = await deps.createController(options.worker ? { worker: options.worker } : {});
    } catch (cause) {
      if (cause instanceof SealError && cause.code === 'e2ee-unsupported') {
        throw new RoomError('e2ee-unsupported', 'this browser cannot encrypt media end to end (no encoded transforms)', { cause });
      }
      throw cause;
    }
  }
  // Safeguards first: a role without a valid grant fails before anything touches the network.
  const events = new TypedEmitter<RoomEvents>(deps.onListenerError ? { onListenerError: deps.onListenerError } : undefined);
  const identity = options.identity;
  let safeguards: Safeguards;
  try {
    safeguards = new Safeguards({ roomId: options.roomId, localId: options.signaling.localId, identity, options, inner: controller ?? DISCARD_KEYS, events });
  } catch (cause) {
    controller?.close();
    if (cause instanceof AccessError) throw new RoomError('invalid-options', `joinRoom: ${cause.message}`, { cause });
    throw cause;
  }
  const session = deps.createSession({
    roomId: options.roomId,
    identity: options.identity,
    signaling: options.signaling,
    keySink: safeguards.keySink,
    holdKeys: safeguards.holdKeys,
  });
  safeguards.attach(session, controller);
  // The controller's settings win (encoded-streams mode needs them), and iceServers is
  // always explicit so no library default (public STUN) ever applies.
  const config: RTCConfiguration = {
    ...options.config,
    ...controller?.rtcConfig,
    iceServers: options.iceServers ?? options.config?.iceServers ?? [],
  };
  const localParticipant: LocalParticipant = {
    id: session.localId,
    displayName: options.identity.displayName,
    identityKey: new Uint8Array(options.identity.publicKey),
  };
  // On a failed start, Room.open leaves the room, which closes the controller and the session.
  const room = await Room.open({
    roomId: options.roomId,
    session: safeguards.view,
    events,
    safeguards,
    controller,
    e2ee,
    peerFactory: deps.peerFactory,
    config,
    localParticipant,
    ...(options.localStream ? { localStream: options.localStream } : {}),
    ...(deps.onListenerError ? { onListenerError: deps.onListenerError } : {}),
  });
  safeguards.bindRoom(room);
  return room;
}
