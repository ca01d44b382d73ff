/**
 * The audit event types and, for each, the whitelist of detail fields it may carry.
 *
 * The whitelist is the guard that keeps PHI, chat text, passcodes and key material out of the
 * log: a details object may hold only the fields named here, and each field only a participant
 * id (a short token without spaces), a non-negative integer (epochs, counts, durations), or one
 * of a fixed set of words. Anything else is refused at `append` and at verification. The
 * TypeScript types of the details are derived from the same table, so the two cannot drift.
 *
 * @module
 */
import { AuditError } from './errors.js';

/** A field holding a participant id: 1–128 characters of `[A-Za-z0-9._:@+-]`, no spaces. */
interface IdField { readonly kind: 'id'; readonly optional: boolean }
/** A field holding a non-negative safe integer (epoch, count, milliseconds, bytes). */
interface UintField { readonly kind: 'uint'; readonly optional: boolean }
/** A field holding one word out of a fixed list. */
interface EnumField<V extends string = string> { readonly kind: 'enum'; readonly values: readonly V[]; readonly optional: boolean }
type Field = IdField | UintField | EnumField;

const id = { kind: 'id', optional: false } as const;
const optId = { kind: 'id', optional: true } as const;
const uint = { kind: 'uint', optional: false } as const;
const optUint = { kind: 'uint', optional: true } as const;
function oneOf<const V extends string>(...values: V[]) {
  return { kind: 'enum', values, optional: false } as const;
}
function optOneOf<const V extends string>(...values: V[]) {
  return { kind: 'enum', values, optional: true } as const;
}

/** Roles of the Room API (issue #6 §1). */
const role = ['host', 'co-host', 'participant'] as const;
/** Host command operations (`HostCommandOp`; access.ts fails to compile if the two drift apart). */
const hostOp = ['admit', 'deny', 'expel', 'lock', 'unlock', 'end', 'co-host', 'hand-over'] as const;

/**
 * Event type → allowed detail fields. `participantId` is whom the event concerns; `by` is who
 * caused it (the host that admitted, expelled, locked).
 */
const SCHEMA = {
  joined: { participantId: id, role: optOneOf(...role) },
  admitted: { participantId: id, by: optId },
  denied: { participantId: id, by: optId, reason: oneOf('host-denied', 'locked', 'passcode-wrong', 'rate-limited') },
  left: { participantId: id, reason: optOneOf('user', 'ended', 'error', 'logged-off') },
  expelled: { participantId: id, by: optId },
  locked: { by: optId },
  unlocked: { by: optId },
  ended: { by: optId },
  'role-changed': { participantId: id, role: oneOf(...role), by: optId },
  'epoch-changed': {
    participantId: id,
    epoch: uint,
    reason: optOneOf('join', 'leave', 'expel', 'periodic', 'start'),
  },
  'verification-compared': {
    participantId: id,
    method: oneOf('safety-number', 'sas', 'call-code'),
    result: oneOf('match', 'mismatch'),
  },
  'key-change-warning': { participantId: id },
  'decryption-failure-burst': { participantId: id, count: uint, windowMs: optUint },
  'passcode-attempt': { participantId: id, result: oneOf('accepted', 'wrong', 'rate-limited') },
  'logged-off': { participantId: id, reason: oneOf('idle', 'max-duration') },
  'file-transferred': { participantId: id, direction: oneOf('sent', 'received'), bytes: optUint },
  /** A host command from `participantId` that this device refused (`op` when it could be read). */
  'command-rejected': {
    participantId: id,
    op: optOneOf(...hostOp),
    reason: oneOf('not-authorized', 'bad-command', 'replayed-command', 'room-locked'),
  },
} as const satisfies Record<string, Record<string, Field>>;

type Schema = typeof SCHEMA;

/** Every security event the audit trail records (issue #6 §3). */
export type AuditEventType = keyof Schema;

/** All event types, in a stable order. */
export const AUDIT_EVENT_TYPES = Object.freeze(Object.keys(SCHEMA)) as readonly AuditEventType[];

type ValueOf<F> = F extends IdField ? string : F extends UintField ? number : F extends EnumField<infer V> ? V : never;
type Simplify<T> = { [K in keyof T]: T[K] };
type DetailsFor<S> = Simplify<
  { -readonly [K in keyof S as S[K] extends { optional: true } ? never : K]: ValueOf<S[K]> } & {
    -readonly [K in keyof S as S[K] extends { optional: true } ? K : never]?: ValueOf<S[K]>;
  }
>;

/** The details object each event type takes, e.g. `AuditDetails<'logged-off'>` is `{ participantId; reason }`. */
export type AuditDetails<T extends AuditEventType = AuditEventType> = T extends AuditEventType ? DetailsFor<Schema[T]> : never;

const ID_RE = /^[A-Za-z0-9._:@+-]{1,128}$/;

/**
 * Is `type` one of the known event types?
 *
 * @example
 * ```ts
 * isAuditEventType('logged-off'); // true
 * isAuditEventType('chat-sent');  // false: chat is never audited
 * ```
 */
export function isAuditEventType(type: unknown): type is AuditEventType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(SCHEMA, type);
}

/**
 * Check `details` against the whitelist of `type` and return a fresh, frozen copy holding only
 * plain values. Field names appear in error messages; values never do.
 *
 * @throws {AuditError} `'unknown-event-type'`, `'details-refused'`
 * @example
 * ```ts
 * checkDetails('logged-off', { participantId: 'p1', reason: 'idle' }); // ok
 * checkDetails('joined', { participantId: 'p1', note: 'diagnosis' } as never); // throws details-refused
 * ```
 */
export function checkDetails<T extends AuditEventType>(type: T, details: unknown): AuditDetails<T> {
  if (!isAuditEventType(type)) throw new AuditError('unknown-event-type', 'unknown audit event type');
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    throw new AuditError('details-refused', `details of '${type}' must be a plain object`);
  }
  const proto: unknown = Object.getPrototypeOf(details);
  if (proto !== Object.prototype && proto !== null) {
    throw new AuditError('details-refused', `details of '${type}' must be a plain object`);
  }
  const schema: Record<string, Field> = SCHEMA[type];
  const src = details as Record<string, unknown>;
  const out: Record<string, string | number> = {};
  for (const key of Object.keys(src)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) {
      throw new AuditError('details-refused', `field '${key}' is not allowed in '${type}' entries`);
    }
  }
  for (const [key, field] of Object.entries(schema)) {
    const value = src[key];
    if (value === undefined) {
      if (!field.optional) throw new AuditError('details-refused', `field '${key}' is required in '${type}' entries`);
      continue;
    }
    if (!fieldAccepts(field, value)) {
      throw new AuditError('details-refused', `field '${key}' of '${type}' has a value of the wrong shape`);
    }
    out[key] = value;
  }
  return Object.freeze(out) as AuditDetails<T>;
}

function fieldAccepts(field: Field, value: unknown): value is string | number {
  switch (field.kind) {
    case 'id':
      return typeof value === 'string' && ID_RE.test(value);
    case 'uint':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'enum':
      return typeof value === 'string' && field.values.includes(value);
    default: {
      const never: never = field;
      return never;
    }
  }
}
