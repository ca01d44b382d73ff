/**
 * Offline verification of an exported audit log (JSON Lines) against the participant's
 * Ed25519 public key.
 *
 * Verification walks the chain from the genesis hash (bound to the public key): every record
 * must parse, match the schema, carry `seq` equal to its position, point at the previous
 * record's hash, hash to its own `hash`, and carry a strict Ed25519 signature over it. That
 * detects any edited, removed, inserted or reordered record, a removed head, and truncation in
 * the middle. A dropped *tail* leaves a valid shorter chain: it is detectable only against a
 * last hash kept somewhere the attacker cannot change (the app's server, via the sink) — pass it
 * as `expectedLastHash`.
 *
 * The result is a value, not an exception: a tampered log is an expected input here.
 *
 * @module
 */
import { AUDIT_FORMAT_VERSION, fromHexStrict, genesisHash, hashBody } from './encoding.js';
import type { AuditEntry, AuditEntryBody } from './encoding.js';
import { signedMessage } from './encoding.js';
import { AuditError } from './errors.js';
import { checkDetails, isAuditEventType } from './schema.js';
import { verifyEd25519 } from './signer.js';

/**
 * Why a log failed verification.
 *
 * - `'malformed'` — a record is not JSON of the entry shape (or has extra fields / a blank line).
 * - `'details-refused'` — a record's details break the whitelist.
 * - `'bad-seq'` — `seq` is not the record's position (removed, inserted, reordered records).
 * - `'bad-prev-hash'` — the record does not point at the previous record's hash.
 * - `'bad-hash'` — the record's content does not hash to its `hash` (edited content).
 * - `'bad-signature'` — the signature does not verify under the given public key.
 * - `'last-hash-mismatch'` — the chain is intact but does not end at `expectedLastHash` (dropped tail).
 */
export type AuditVerifyFailure =
  | 'malformed'
  | 'details-refused'
  | 'bad-seq'
  | 'bad-prev-hash'
  | 'bad-hash'
  | 'bad-signature'
  | 'last-hash-mismatch';

/** Outcome of {@link verifyAuditLog}; `index` is the 0-based record (line) that failed. */
export type AuditVerifyResult =
  | { readonly ok: true; readonly entries: readonly AuditEntry[] }
  | { readonly ok: false; readonly index: number; readonly reason: AuditVerifyFailure };

/** Options of {@link verifyAuditLog}. */
export interface VerifyAuditLogOptions {
  /** The hash the last record must have (anchored outside the log); detects a dropped tail. */
  expectedLastHash?: string;
}

const ENTRY_KEYS = ['v', 'seq', 'time', 'type', 'details', 'prevHash', 'hash', 'sig'];
const HASH_RE = /^[0-9a-f]{64}$/;
const SIG_RE = /^[0-9a-f]{128}$/;

/**
 * Verify an exported audit log.
 *
 * @param lines the JSON Lines text (as from `AuditLog.export()`), or its records as an array.
 * @param publicKey the participant's 32-byte Ed25519 identity public key.
 * @returns `{ ok: true, entries }` or `{ ok: false, index, reason }` — tampering never throws.
 * @throws {AuditError} `'invalid-key'` only when `publicKey` is not 32 bytes (a caller bug).
 * @example
 * ```ts
 * const r = await verifyAuditLog(jsonl, participantKey, { expectedLastHash: anchored });
 * if (!r.ok) alert(`audit log tampered at record ${r.index}: ${r.reason}`);
 * ```
 */
export async function verifyAuditLog(
  lines: string | readonly string[],
  publicKey: Uint8Array,
  options: VerifyAuditLogOptions = {},
): Promise<AuditVerifyResult> {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new AuditError('invalid-key', 'an Ed25519 public key is 32 bytes');
  }
  const records = typeof lines === 'string' ? splitLines(lines) : [...lines];
  const entries: AuditEntry[] = [];
  let prev = await genesisHash(publicKey);
  for (let index = 0; index < records.length; index++) {
    const parsed = parseRecord(records[index]!);
    if (typeof parsed === 'string') return { ok: false, index, reason: parsed };
    if (parsed.seq !== index) return { ok: false, index, reason: 'bad-seq' };
    if (parsed.prevHash !== prev) return { ok: false, index, reason: 'bad-prev-hash' };
    const body: AuditEntryBody = {
      v: parsed.v,
      seq: parsed.seq,
      time: parsed.time,
      type: parsed.type,
      details: parsed.details,
      prevHash: parsed.prevHash,
    };
    if ((await hashBody(body)) !== parsed.hash) return { ok: false, index, reason: 'bad-hash' };
    const sig = fromHexStrict(parsed.sig)!;
    if (!verifyEd25519(sig, signedMessage(parsed.hash), publicKey)) return { ok: false, index, reason: 'bad-signature' };
    entries.push(Object.freeze(parsed));
    prev = parsed.hash;
  }
  if (options.expectedLastHash !== undefined) {
    const last = entries.length === 0 ? undefined : prev;
    if (last !== options.expectedLastHash) return { ok: false, index: entries.length, reason: 'last-hash-mismatch' };
  }
  return { ok: true, entries };
}

/** JSON Lines → records; one trailing newline is allowed, a blank line elsewhere is a record (and malformed). */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function parseRecord(line: string): AuditEntry | 'malformed' | 'details-refused' {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    if (error instanceof SyntaxError) return 'malformed';
    throw error;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'malformed';
  const r = value as Record<string, unknown>;
  const keys = Object.keys(r);
  if (keys.length !== ENTRY_KEYS.length || !ENTRY_KEYS.every((k) => keys.includes(k))) return 'malformed';
  if (r.v !== AUDIT_FORMAT_VERSION) return 'malformed';
  if (!isUint(r.seq) || !isUint(r.time) || !isAuditEventType(r.type)) return 'malformed';
  if (typeof r.prevHash !== 'string' || !HASH_RE.test(r.prevHash)) return 'malformed';
  if (typeof r.hash !== 'string' || !HASH_RE.test(r.hash)) return 'malformed';
  if (typeof r.sig !== 'string' || !SIG_RE.test(r.sig)) return 'malformed';
  let details;
  try {
    details = checkDetails(r.type, r.details);
  } catch (error) {
    if (error instanceof AuditError) return 'details-refused';
    throw error;
  }
  return { v: AUDIT_FORMAT_VERSION, seq: r.seq, time: r.time, type: r.type, details, prevHash: r.prevHash, hash: r.hash, sig: r.sig };
}

function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
