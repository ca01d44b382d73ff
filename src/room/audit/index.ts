/**
 * The audit trail: a signed, hash-chained log of security events and its offline verifier.
 *
 * @module
 */
export { AuditError } from './errors.js';
export type { AuditErrorCode } from './errors.js';
export { AUDIT_EVENT_TYPES, checkDetails, isAuditEventType } from './schema.js';
export type { AuditDetails, AuditEventType } from './schema.js';
export { AUDIT_FORMAT_VERSION } from './encoding.js';
export type { AuditEntry } from './encoding.js';
export { AuditLog } from './log.js';
export type { AuditLogEvents, AuditLogOptions, AuditSink } from './log.js';
export { FailureBurstDetector } from './bursts.js';
export type { FailureBurstOptions } from './bursts.js';
export { ed25519Signer } from './signer.js';
export type { DisposableEd25519Signer, Ed25519Signer } from './signer.js';
export { verifyAuditLog } from './verify.js';
export type { AuditVerifyFailure, AuditVerifyResult, VerifyAuditLogOptions } from './verify.js';
