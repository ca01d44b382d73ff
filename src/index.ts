/**
 * sealrtc — end-to-end encrypted peer-to-peer video for health apps.
 *
 * The browser entry. Named exports only; it never pulls in Node-only code.
 *
 * @packageDocumentation
 */
export { SealError } from './errors.js';
export type { Signaling } from './signaling/types.js';
export { WebSocketSignaling } from './signaling/websocket.js';
export type {
  WebSocketSignalingOptions,
  WebSocketSignalingEvents,
  WebSocketConstructor,
  WebSocketLike,
  SignalingState,
} from './signaling/websocket.js';
export type { ReconnectOptions } from './signaling/resume.js';
export { SignalingError } from './signaling/errors.js';
export type { SignalingErrorCode } from './signaling/errors.js';
export { verifyAuditLog } from './room/audit/index.js';
export { AuditError, AuditLog } from './room/audit/index.js';
export type { AuditErrorCode, AuditLogEvents, AuditLogOptions, AuditSink, Ed25519Signer } from './room/audit/index.js';
export { AccessError, grantRoomRole, verifyRoomRole } from './room/host.js';
export type { AccessErrorCode, RoomRole } from './room/host.js';
export type {
  AdmissionRequest,
  ChatMessage,
  DataChannelOptions,
  FileProgress,
  ReceivedFile,
  SafeguardEvents,
  SafeguardJoinOptions,
} from './room/safeguard-types.js';
export { ChatError } from './room/chat/index.js';
export type { ChatErrorCode } from './room/chat/index.js';
export { FileTransferError } from './room/files/index.js';
export type { FileTransferErrorCode } from './room/files/index.js';
export { PasscodeError } from './room/passcode/index.js';
export type { PasscodeErrorCode, PasscodeParams } from './room/passcode/index.js';
export type { LogoffClock, LogoffReason } from './room/logoff/index.js';
export type {
  AuditDetails,
  AuditEntry,
  AuditEventType,
  AuditVerifyFailure,
  AuditVerifyResult,
  VerifyAuditLogOptions,
} from './room/audit/index.js';
export { E2EEController, E2EEError } from './media/transform/index.js';
export type {
  E2EEControllerEvents,
  E2EEControllerOptions,
  E2EEErrorCode,
  E2EEParticipantStats,
  ReceiveState,
} from './media/transform/index.js';
export { FramingError } from './media/codecs/index.js';
export type { FramingErrorCode, MediaCodec } from './media/codecs/index.js';
export { joinRoom, Room, RoomError } from './room/index.js';
export type {
  E2EEState,
  JoinRoomOptions,
  LocalParticipant,
  ParticipantE2EEStats,
  RemoteParticipant,
  RoomE2EEStats,
  RoomErrorCode,
  RoomEvents,
} from './room/index.js';
export { availableEncodedTransforms, detectEncodedTransform, detectPlatform } from './platform/index.js';
export type { EncodedTransformApi, PlatformSupport } from './platform/index.js';
export {
  createIdentity,
  exportIdentity,
  importIdentity,
  withAttestation,
  cardSigningBytes,
  attestCard,
  verifyCard,
  GroupKeySession,
  KeyError,
  MemoryKnownIdentityStore,
  safetyNumber,
  formatSafetyNumber,
  shortAuthString,
  callCode,
  sframeContextSink,
} from './keys/index.js';
export type {
  Identity,
  IdentityCard,
  GroupKeySessionOptions,
  GroupKeySessionEvents,
  PeerInfo,
  MediaKeySink,
  KeyedFrameContext,
  SFrameContextSink,
  KnownIdentityStore,
  IdentityChange,
  KeyErrorCode,
  VerificationKeys,
} from './keys/index.js';
export { ProtocolError } from './protocol/index.js';
export type { ProtocolErrorCode } from './protocol/index.js';
