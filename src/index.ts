/**
 * sealrtc — end-to-end encrypted peer-to-peer video for health apps.
 *
 * The browser entry. Named exports only; it never pulls in Node-only code.
 *
 * @packageDocumentation
 */
export { SealError } from './errors.js';
export type { Signaling } from './signaling/types.js';
export { verifyAuditLog } from './room/audit/index.js';
export type {
  AuditDetails,
  AuditEntry,
  AuditEventType,
  AuditVerifyFailure,
  AuditVerifyResult,
  VerifyAuditLogOptions,
} from './room/audit/index.js';
