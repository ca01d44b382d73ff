/**
 * The audit entry, its JSON Lines form and the canonical bytes that are hashed and signed.
 *
 * Canonical encoding (version 1). Every value in an entry is an ASCII-safe string or a safe
 * integer (the schema guarantees it), so `JSON.stringify` of a fixed-order array is deterministic:
 *
 * ```
 *   canonical = UTF-8( "sealrtc-audit-v1\n" ‖ JSON.stringify(
 *                 [ v, seq, time, type, [[key, value], …sorted by key], prevHash ] ) )
 *   hash      = SHA-256(canonical)                              (hex in the entry)
 *   sig       = Ed25519.sign( "sealrtc-audit-sig-v1\n" ‖ hash ) (RFC 8032 §5.1.6, hex)
 *   prevHash  = hash of entry seq−1, or for seq 0 the genesis
 *   genesis   = SHA-256( "sealrtc-audit-genesis-v1\n" ‖ Ed25519 public key )
 * ```
 *
 * One JSON Lines record per entry, fields in this order:
 *
 * ```
 * {"v":1,"seq":0,"time":1764000000000,"type":"joined","details":{…},"prevHash":"…","hash":"…","sig":"…"}
 * ```
 *
 * Signing the hash (not the JSON text) keeps the signature independent of whitespace; the
 * domain prefixes keep an audit signature from ever being valid as any other sealrtc signature.
 *
 * @module
 */
import type { AuditDetails, AuditEventType } from './schema.js';

/** Version of the canonical encoding and of the JSON Lines record. */
export const AUDIT_FORMAT_VERSION = 1;

/**
 * One signed, hash-chained audit record.
 *
 * @example
 * ```ts
 * const e: AuditEntry = JSON.parse(line);
 * console.log(e.seq, e.type, e.details);
 * ```
 */
export interface AuditEntry<T extends AuditEventType = AuditEventType> {
  /** Format version ({@link AUDIT_FORMAT_VERSION}). */
  readonly v: 1;
  /** Position in the log, from 0, no gaps. */
  readonly seq: number;
  /** Milliseconds since the Unix epoch (integer) when the entry was appended. */
  readonly time: number;
  /** Which security event. */
  readonly type: T;
  /** Whitelisted details (ids, epochs, counts, fixed words) — never PHI or keys. */
  readonly details: AuditDetails<T>;
  /** Hex SHA-256 of the previous entry, or the genesis hash for `seq` 0. */
  readonly prevHash: string;
  /** Hex SHA-256 of this entry's canonical encoding. */
  readonly hash: string;
  /** Hex Ed25519 signature over the domain-separated hash. */
  readonly sig: string;
}

/** The fields of an entry that the hash covers. */
export type AuditEntryBody = Omit<AuditEntry, 'hash' | 'sig'>;

const enc = new TextEncoder();
const CANONICAL_PREFIX = 'sealrtc-audit-v1\n';
const SIG_PREFIX = enc.encode('sealrtc-audit-sig-v1\n');
const GENESIS_PREFIX = enc.encode('sealrtc-audit-genesis-v1\n');

/** The canonical bytes of an entry body (see the module comment). */
export function canonicalBytes(body: AuditEntryBody): Uint8Array {
  const details = Object.entries(body.details as Record<string, string | number>)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return enc.encode(CANONICAL_PREFIX + JSON.stringify([body.v, body.seq, body.time, body.type, details, body.prevHash]));
}

/** SHA-256 (WebCrypto) as lowercase hex. */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

/** The hex hash of an entry body. */
export function hashBody(body: AuditEntryBody): Promise<string> {
  return sha256Hex(canonicalBytes(body));
}

/** The message the Ed25519 signature covers: domain prefix ‖ the 32 hash bytes. */
export function signedMessage(hashHex: string): Uint8Array {
  const out = new Uint8Array(SIG_PREFIX.length + 32);
  out.set(SIG_PREFIX);
  out.set(fromHex(hashHex), SIG_PREFIX.length);
  return out;
}

/** The `prevHash` of entry 0 for a log signed by `publicKey`. */
export function genesisHash(publicKey: Uint8Array): Promise<string> {
  const data = new Uint8Array(GENESIS_PREFIX.length + publicKey.length);
  data.set(GENESIS_PREFIX);
  data.set(publicKey, GENESIS_PREFIX.length);
  return sha256Hex(data);
}

/** One JSON Lines record, fields in the documented order. */
export function entryToJson(entry: AuditEntry): string {
  return JSON.stringify({
    v: entry.v,
    seq: entry.seq,
    time: entry.time,
    type: entry.type,
    details: entry.details,
    prevHash: entry.prevHash,
    hash: entry.hash,
    sig: entry.sig,
  });
}

/** Bytes → lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex → bytes; `undefined` when `hex` is not canonical lowercase hex. */
export function fromHexStrict(hex: string): Uint8Array | undefined {
  if (!HEX_RE.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function fromHex(hex: string): Uint8Array {
  const out = fromHexStrict(hex);
  if (out === undefined || out.length !== 32) throw new RangeError('expected 32 bytes of lowercase hex');
  return out;
}
