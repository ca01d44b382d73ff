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
import type { JoinRoomOptions, LocalParticipant, RoomKeySession, RoomMediaController } from './types.js';

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
}

/** The factories `joinRoom` uses (real ones in browsers, fakes in Node tests). */
export interface JoinDeps<I extends RoomIdentity> {
  /** Rejects with code `'e2ee-unsupported'` when encoded transforms are missing. */
  createController(options: { worker?: Worker }): Promise<RoomMediaController & RoomKeySink>;
  createSession(options: { roomId: string; identity: I; signaling: Signaling; keySink: RoomKeySink }): RoomKeySession;
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
  if (!options.identity || !(options.identity.publicKey instanceof Uint8Array)) throw bad('identity must come from createIdentity');
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
  const session = deps.createSession({
    roomId: options.roomId,
    identity: options.identity,
    signaling: options.signaling,
    keySink: controller ?? DISCARD_KEYS,
  });
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
  return Room.open({
    roomId: options.roomId,
    session,
    controller,
    e2ee,
    peerFactory: deps.peerFactory,
    config,
    localParticipant,
    ...(options.localStream ? { localStream: options.localStream } : {}),
    ...(deps.onListenerError ? { onListenerError: deps.onListenerError } : {}),
  });
}
