/**
 * The Room API entry: `joinRoom` with the real collaborators — the transform
 * controller (`E2EEController`), the authenticated group key schedule
 * (`GroupKeySession`) and the simple-peer mesh.
 *
 * @module
 */
import { GroupKeySession, type Identity } from '../keys/index.js';
import { E2EEController } from '../media/transform/index.js';
import { joinRoomWith } from './join.js';
import type { Room } from './room.js';
import { simplePeerFactory } from './simple-peer-backend.js';
import type { JoinRoomOptions } from './types.js';

/**
 * Join a room: authenticate every participant, agree on media keys, and connect an
 * end-to-end encrypted WebRTC mesh. E2EE is required: without encoded-transform support
 * the promise rejects and nothing is sent.
 *
 * @throws RoomError `'e2ee-unsupported'` when the browser cannot transform encoded frames;
 *   `'invalid-options'` for unusable options. Transform worker start-up failures reject with
 *   the controller's `E2EEError` (e.g. `'worker-unavailable'`).
 * @example
 * ```ts
 * import { createIdentity, joinRoom } from 'sealrtc';
 * const room = await joinRoom({ roomId, identity: createIdentity({ displayName: 'Dr. Lee' }), signaling, localStream });
 * room.on('participant-joined', (p) => console.log(p.displayName, p.safetyNumber));
 * room.on('track', (track, stream, p) => attach(p.id, stream));
 * ```
 */
export function joinRoom(options: JoinRoomOptions<Identity>): Promise<Room> {
  return joinRoomWith(options, {
    createController: (opts) => E2EEController.create(opts),
    createSession: (opts) => new GroupKeySession(opts),
    peerFactory: simplePeerFactory(),
  });
}

export { Room } from './room.js';
export { RoomError, type RoomErrorCode } from './errors.js';
export type {
  E2EEState, JoinRoomOptions, LocalParticipant, ParticipantE2EEStats, RemoteParticipant, RoomE2EEStats, RoomEvents,
} from './types.js';
