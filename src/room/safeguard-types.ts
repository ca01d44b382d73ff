/**
 * Public types of the Room's HIPAA safeguards: the `joinRoom` options for roles, lobby,
 * passcode, audit and automatic log-off, and the events they add to a room.
 *
 * @module
 */
import type { AuditSink } from './audit/index.js';
import type { LogoffClock, LogoffReason } from './logoff/index.js';
import type { PasscodeParams } from './passcode/index.js';
import type { RoomRole } from './host.js';

/** `joinRoom` options of the safeguards (see `docs/hipaa.md`). All are optional. */
export interface SafeguardJoinOptions {
  /**
   * The app server's Ed25519 public key that signs room role grants. Without it nobody in the
   * room is host, and host commands are refused.
   */
  hostAuthorityKey?: Uint8Array;
  /** This device's role; `'host'`/`'co-host'` need a `roleGrant` that verifies. Default `'participant'`. */
  role?: RoomRole;
  /** The server's grant of `role` for this room and identity (`grantRoomRole`). */
  roleGrant?: Uint8Array;
  /**
   * `'lobby'`: a joiner gets no media key from anyone until a host admits it. Every member's app
   * must set the same value. Default `'open'` (every authenticated peer is keyed at once).
   */
  admission?: 'open' | 'lobby';
  /**
   * Host: the room passcode joiners must prove before an admission request is shown.
   * Joiner: the passcode the user typed. Rooms without one never load libsodium.
   */
  passcode?: string;
  /** Argon2id cost a host puts in its challenges (default t = 3, m = 64 MiB). */
  passcodeParams?: PasscodeParams;
  /** Where audit entries go as they happen (persist them, ship them to the app's server). */
  auditSink?: AuditSink;
  /** Leave after this long without `room.reportActivity()`. Default off. */
  idleTimeoutMs?: number;
  /** Leave this long after joining, activity or not. Default off. */
  maxDurationMs?: number;
  /** `'logoff-warning'` this long before expiry (at most half the limit). Default 60 000 ms. */
  logoffWarningMs?: number;
  /** How often the decryption-failure counters are read for burst audit entries (default 2 000 ms; 0 = never). */
  failureCheckMs?: number;
  /** Injected clock for log-off timers and command stamps (tests). */
  clock?: LogoffClock;
  /** Limits of the data channels that carry chat and files (defaults suit most apps). */
  dataChannel?: DataChannelOptions;
}

/**
 * Limits of the per-member data channels that carry sealed chat and files. There is no relay
 * fallback: a message waits for the member's channel or fails with RoomError `'peer-failed'`.
 */
export interface DataChannelOptions {
  /** How long a message may wait for a member's channel to open (default 30 000 ms). */
  openTimeoutMs?: number;
  /** How long a channel may stay above `highWaterBytes` without draining (default 30 000 ms). */
  drainTimeoutMs?: number;
  /** Wait before sending while more than this many bytes are buffered (default 1 MiB). */
  highWaterBytes?: number;
  /** Messages one member's queue may hold (default 256). */
  maxQueued?: number;
}

/** A joiner waiting in the lobby, as the host sees it. Compare `sas` with the person before admitting. */
export interface AdmissionRequest {
  readonly id: string;
  readonly displayName: string | undefined;
  readonly identityKey: Uint8Array;
  readonly safetyNumber: string;
  readonly sas: string;
  /** True when the room has a passcode and this joiner proved it. */
  readonly passcodeVerified: boolean;
}

/** A chat message that opened and verified (sender authenticated by its identity signature). */
export interface ChatMessage {
  readonly from: string;
  readonly text: string;
  /** The sender's epoch it was sealed under. */
  readonly epoch: number;
}

/** A received file, released only after every chunk and the final tag verified. */
export interface ReceivedFile {
  readonly from: string;
  readonly name: string;
  readonly mimeType: string;
  readonly size: number;
  /** The file's bytes (the app's to store; see docs/hipaa.md on retention). */
  readonly bytes: Uint8Array;
}

/** Progress of a file this device sends (`direction: 'sent'`) or receives. */
export interface FileProgress {
  readonly fileId: string;
  readonly direction: 'sent' | 'received';
  readonly peerId: string | undefined;
  readonly bytes: number;
  readonly totalBytes: number;
}

/** Events the safeguards add to a room. */
export interface SafeguardEvents {
  [event: string]: unknown[];
  /** Host/co-host: a joiner asks to be admitted (after its passcode proof, when there is one). */
  'admission-request': [request: AdmissionRequest];
  /** This device was admitted (lobby rooms). */
  admitted: [by: string];
  /** This device was refused; the room is being left. */
  'admission-denied': [reason: 'host-denied' | 'locked' | 'passcode-wrong'];
  /** Another participant was expelled; its keys are gone and senders re-keyed. */
  'participant-expelled': [participantId: string, by: string];
  /** This device was expelled; the room is being left. */
  expelled: [by: string];
  /** A host ended the meeting for everyone; the room is being left. */
  ended: [by: string];
  /** The room was locked (`true`) or unlocked. */
  locked: [locked: boolean, by: string];
  /** A participant's role changed (co-host grant, hand-over, automatic succession). */
  'role-changed': [participantId: string, role: RoomRole];
  chat: [message: ChatMessage];
  file: [file: ReceivedFile];
  'file-progress': [progress: FileProgress];
  /** Automatic log-off is `remainingMs` away: call `reportActivity()` to stay. */
  'logoff-warning': [info: { reason: LogoffReason; remainingMs: number }];
  /** Automatic log-off happened: the room is being left and every key zeroed. */
  'logged-off': [info: { reason: LogoffReason }];
}
