/**
 * Public types of the Room API and the narrow interfaces the room needs from its
 * collaborators (the group key session and the media transform controller), so the
 * room logic can be driven in Node tests with fakes.
 *
 * @module
 */
import type { SealError } from '../errors.js';
import type { SafeguardEvents, SafeguardJoinOptions } from './safeguard-types.js';
import type { IdentityChange } from '../keys/index.js';
import type { Signaling } from '../signaling/types.js';

/**
 * What the room says about one participant's incoming media.
 *
 * - `'establishing'` — authenticated, but no frame has yet decrypted under its keys.
 * - `'encrypted'` — its frames are decrypting under keys from its authenticated key exchange.
 * - `'failed'` — its frames stopped decrypting, or its connection failed.
 * - `'unencrypted'` — only in a room joined with the testing opt-out `e2ee: 'disabled-for-testing'`.
 */
export type E2EEState = 'establishing' | 'encrypted' | 'failed' | 'unencrypted';

/** This device in the room. */
export interface LocalParticipant {
  /** Id in the room (the signaling id the key session authenticated). */
  readonly id: string;
  readonly displayName: string | undefined;
  /** Ed25519 public identity key (32 bytes). */
  readonly identityKey: Uint8Array;
}

/** Another participant, present only after its key exchange authenticated. */
export interface RemoteParticipant {
  readonly id: string;
  readonly displayName: string | undefined;
  /** Ed25519 public identity key (32 bytes). */
  readonly identityKey: Uint8Array;
  /** Safety number over both identities and every key that protects media; compare out of band. */
  readonly safetyNumber: string;
  /** Short authentication string for reading aloud. */
  readonly sas: string;
  /** Current {@link E2EEState} of its incoming media. */
  readonly e2eeState: E2EEState;
  /** Remote tracks received so far (removed ones are dropped when they end). */
  readonly tracks: readonly MediaStreamTrack[];
}

/** Events of a {@link Room}, as name → listener arguments. */
export interface RoomEvents extends SafeguardEvents {
  [event: string]: unknown[];
  'participant-joined': [participant: RemoteParticipant];
  'participant-left': [participant: RemoteParticipant];
  track: [track: MediaStreamTrack, stream: MediaStream, participant: RemoteParticipant];
  'e2ee-state': [participant: RemoteParticipant, state: E2EEState];
  /** This device's sender key moved to a new epoch (join ratchet, leave rekey, periodic rekey). */
  epoch: [epoch: number];
  /** The group call code changed (membership changed); everyone present shows the same code. */
  'call-code': [code: string];
  /** Trust on first use: a known display identity showed up with another key — re-verify. */
  'identity-changed': [change: IdentityChange];
  error: [error: SealError];
}

/** Per-participant media counters from {@link Room.getE2EEStats}. */
export interface ParticipantE2EEStats {
  readonly state: E2EEState;
  /** Frames received from this participant that decrypted. */
  readonly framesDecrypted: number;
  /** Frames received from this participant that failed to decrypt (dropped, never shown). */
  readonly framesFailed: number;
  /** Decrypted frames by media kind. */
  readonly audioFrames: number;
  readonly videoFrames: number;
  /** KID of the last frame that decrypted, when known. */
  readonly lastKid: bigint | undefined;
  /** KIDs this device holds for the participant (SFrame key ids, not keys). */
  readonly kids: readonly bigint[];
}

/** Result of {@link Room.getE2EEStats}. */
export interface RoomE2EEStats {
  /** This device's current sender epoch. */
  readonly epoch: number;
  /** Frames this device encrypted, all tracks. */
  readonly framesEncrypted: number;
  /** Outgoing frames dropped unsent (e.g. no send key yet): never sent in clear. */
  readonly framesDropped: number;
  /** KID this device currently sends under, when known. */
  readonly sendKid: bigint | undefined;
  readonly participants: ReadonlyMap<string, ParticipantE2EEStats>;
}

/** Options of `joinRoom`; `I` is the identity type (`Identity` from `createIdentity`). */
export interface JoinRoomOptions<I = unknown> extends SafeguardJoinOptions {
  /** Room id; bound into every handshake transcript. */
  roomId: string;
  /** This user's long-term identity (from `createIdentity`). */
  identity: I;
  /** The app's signaling transport for this room. */
  signaling: Signaling;
  /** Camera/microphone (or any) stream to send; more can be set later with `setLocalStream`. */
  localStream?: MediaStream;
  /** ICE servers (STUN/TURN) — only these are used. Default `[]`. */
  iceServers?: RTCIceServer[];
  /** Extra `RTCPeerConnection` configuration (e.g. `iceTransportPolicy: 'relay'`). */
  config?: RTCConfiguration;
  /** An app-created transform worker (strict CSP); by default sealrtc starts its own. */
  worker?: Worker;
  /** Default `'required'`. `'disabled-for-testing'` sends media in clear and must never ship. */
  e2ee?: 'required' | 'disabled-for-testing';
}

// ---- collaborators, narrowed to what the room uses -------------------------------------------

/** An authenticated peer as the key session reports it. */
export interface SessionPeer {
  id: string;
  displayName?: string;
  identityKey: Uint8Array;
  safetyNumber: string;
  sas: string;
}

/** The key session events the room listens to. */
export interface SessionEvents {
  [event: string]: unknown[];
  'peer-joined': [peer: SessionPeer];
  'peer-left': [peer: SessionPeer];
  'peer-message': [peerId: string, data: Uint8Array];
  epoch: [epoch: number];
  'call-code': [code: string];
  'identity-changed': [change: IdentityChange];
  error: [error: SealError];
}

/** The part of `GroupKeySession` the room uses. */
export interface RoomKeySession {
  readonly localId: string;
  readonly epoch: number;
  readonly callCode: string;
  readonly peers: ReadonlyMap<string, SessionPeer>;
  start(): Promise<void>;
  sendToPeer(peerId: string, data: Uint8Array): void;
  close(): Promise<void>;
  on<K extends keyof SessionEvents & string>(event: K, listener: (...args: SessionEvents[K]) => void): () => void;
}

/** Counters the media controller reports per participant id (`''` = this device's senders). */
export interface MediaCounters {
  readonly framesEncrypted?: number;
  readonly framesDecrypted?: number;
  readonly framesFailed?: number;
  readonly framesDropped?: number;
  readonly audioFrames?: number;
  readonly videoFrames?: number;
  readonly lastKid?: bigint | undefined;
  readonly kids?: readonly bigint[];
}

/** The part of `E2EEController` the room uses. */
export interface RoomMediaController {
  readonly rtcConfig: Partial<RTCConfiguration>;
  attachSender(sender: RTCRtpSender): void;
  attachReceiver(receiver: RTCRtpReceiver, participantId: string): void;
  getStats(): Promise<ReadonlyMap<string, MediaCounters>>;
  on(event: 'receive-state', listener: (participantId: string, state: 'decrypting' | 'failing') => void): () => void;
  on(event: 'error', listener: (error: SealError) => void): () => void;
  close(): void;
}
