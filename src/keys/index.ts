/**
 * Identity, authenticated pairwise channels and the group key schedule (pure: bytes in, bytes
 * out, only `globalThis.crypto`).
 *
 * @module
 */
export { KeyError, type KeyErrorCode } from './errors.js';
export {
  createIdentity,
  exportIdentity,
  importIdentity,
  withAttestation,
  cardSigningBytes,
  attestCard,
  verifyCard,
  type Identity,
  type IdentityCard,
} from './identity.js';
export { MemoryKnownIdentityStore, type KnownIdentityStore, type IdentityChange } from './trust.js';
export { safetyNumber, formatSafetyNumber, shortAuthString, callCode, SAS_EMOJI, type VerificationKeys } from './verification.js';
export { makeKid, parseKid, EPOCH_MODULUS, SLOT_COUNT } from './kid.js';
export { sframeContextSink, type MediaKeySink, type KeyedFrameContext, type SFrameContextSink } from './sink.js';
export { GroupKeySession } from './session.js';
export type { GroupKeySessionOptions, GroupKeySessionEvents, PeerInfo } from './session-types.js';
