/**
 * Encoding and strict validation of control messages (layouts in `messages.ts`).
 *
 * Decoding is defensive because every byte comes from an untrusted relay or peer: the input
 * size is checked first, msgpackr runs with extensions and records off, the result must be a
 * plain map with exactly the expected keys, every field is checked for type, length and range,
 * and the message is re-encoded and compared with the input so that trailing garbage or
 * alternative encodings of the same message are refused (one message ↔ one byte string).
 *
 * @module
 */
import { Packr } from 'msgpackr';
import { ProtocolError } from './errors.js';
import {
  LIMITS,
  PROTOCOL_VERSION,
  type ChannelMessage,
  type WireMessage,
} from './messages.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, bundleStrings: false });

type FieldCheck = (value: unknown) => unknown;

const str = (max: number, min = 0): FieldCheck => (v) =>
  typeof v === 'string' && v.length >= min && v.length <= max ? v : undefined;
const bin = (...lengths: number[]): FieldCheck => (v) =>
  v instanceof Uint8Array && lengths.includes(v.length) ? new Uint8Array(v) : undefined;
const binUpTo = (max: number, min = 0): FieldCheck => (v) =>
  v instanceof Uint8Array && v.length >= min && v.length <= max ? new Uint8Array(v) : undefined;
const uint = (max: number): FieldCheck => (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max ? v : undefined;
const literal = (x: string | number): FieldCheck => (v) => (v === x ? v : undefined);

const ROOM = str(LIMITS.roomId, 1);
const ID = str(LIMITS.peerId, 1);
const KID = uint(0xffff_ffff);

const WIRE: Record<WireMessage['t'], Record<string, FieldCheck>> = {
  hello: { v: literal(1), t: literal('hello'), room: ROOM, id: ID, idk: bin(32), commit: bin(32) },
  auth: {
    v: literal(1), t: literal('auth'), room: ROOM, id: ID, to: ID, idk: bin(32), eph: bin(32),
    name: str(LIMITS.displayName), att: bin(0, 64), sig: bin(64),
  },
  msg: {
    v: literal(1), t: literal('msg'), room: ROOM, id: ID, to: ID,
    ctr: uint(Number.MAX_SAFE_INTEGER), ct: binUpTo(LIMITS.wireBytes, 16),
  },
};

const CHANNEL: Record<ChannelMessage['t'], Record<string, FieldCheck>> = {
  key: { t: literal('key'), kid: KID, key: bin(32) },
  ack: { t: literal('ack'), kid: KID },
  app: { t: literal('app'), data: binUpTo(LIMITS.appBytes) },
  bye: { t: literal('bye') },
};

function malformed(what: string): ProtocolError {
  return new ProtocolError('malformed-message', `control message rejected: ${what}`);
}

function encodeChecked(schemas: Record<string, Record<string, FieldCheck>>, msg: object): Uint8Array {
  const t = (msg as { t?: unknown }).t;
  const schema = typeof t === 'string' ? schemas[t] : undefined;
  if (!schema || validate(schema, msg, false) === undefined) throw malformed(`cannot encode an invalid '${String(t)}'`);
  // Fixed key order = the schema's, so that the encoding is canonical.
  const ordered: Record<string, unknown> = {};
  for (const k of Object.keys(schema)) ordered[k] = (msg as Record<string, unknown>)[k];
  const out = new Uint8Array(packr.pack(ordered));
  if (out.length > LIMITS.wireBytes) throw new ProtocolError('message-too-large', 'control message too large');
  return out;
}

function validate(schema: Record<string, FieldCheck>, obj: object, plain = true): Record<string, unknown> | undefined {
  if (plain && Object.getPrototypeOf(obj) !== Object.prototype) return undefined;
  const keys = Object.keys(obj);
  if (keys.length !== Object.keys(schema).length) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, check] of Object.entries(schema)) {
    if (!Object.hasOwn(obj, k)) return undefined;
    const v = check((obj as Record<string, unknown>)[k]);
    if (v === undefined) return undefined;
    out[k] = v;
  }
  return out;
}

function decodeChecked<T>(schemas: Record<string, Record<string, FieldCheck>>, bytes: Uint8Array, versioned: boolean): T {
  if (!(bytes instanceof Uint8Array)) throw malformed('not bytes');
  if (bytes.length > LIMITS.wireBytes) throw new ProtocolError('message-too-large', 'control message too large');
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (cause) {
    throw new ProtocolError('malformed-message', 'control message rejected: not msgpack', { cause });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed('not a map');
  const rec = raw as Record<string, unknown>;
  if (versioned && rec.v !== PROTOCOL_VERSION) {
    if (typeof rec.v === 'number') throw new ProtocolError('unsupported-version', `unsupported protocol version ${rec.v}`);
    throw malformed('field v');
  }
  const schema = typeof rec.t === 'string' && Object.hasOwn(schemas, rec.t) ? schemas[rec.t] : undefined;
  if (!schema) throw malformed('field t');
  const out = validate(schema, rec);
  if (!out) throw malformed(`fields of '${String(rec.t)}'`);
  const again = packr.pack(out);
  if (again.length !== bytes.length || !again.every((b, i) => b === bytes[i])) throw malformed('non-canonical encoding');
  return out as T;
}

/**
 * Encode a wire message (hello/auth/msg).
 *
 * @throws ProtocolError `'malformed-message'` if a field is invalid, `'message-too-large'`.
 * @example
 * ```ts
 * const bytes = encodeWire({ v: 1, t: 'hello', room: 'r1', id: 'alice', idk, commit });
 * ```
 */
export function encodeWire(msg: WireMessage): Uint8Array {
  return encodeChecked(WIRE, msg);
}

/**
 * Decode and validate a wire message from the network.
 *
 * @throws ProtocolError `'malformed-message'`, `'unsupported-version'`, `'message-too-large'`.
 * @example
 * ```ts
 * const m = decodeWire(bytes);
 * if (m.t === 'hello') console.log(m.id);
 * ```
 */
export function decodeWire(bytes: Uint8Array): WireMessage {
  return decodeChecked<WireMessage>(WIRE, bytes, true);
}

/**
 * Encode a channel message (the plaintext of a sealed `msg`).
 *
 * @throws ProtocolError `'malformed-message'`, `'message-too-large'`.
 * @example
 * ```ts
 * const pt = encodeChannel({ t: 'ack', kid: 0x00010002 });
 * ```
 */
export function encodeChannel(msg: ChannelMessage): Uint8Array {
  return encodeChecked(CHANNEL, msg);
}

/**
 * Decode and validate a channel message (after the channel authenticated and decrypted it).
 *
 * @throws ProtocolError `'malformed-message'`, `'message-too-large'`.
 * @example
 * ```ts
 * const m = decodeChannel(plaintext);
 * if (m.t === 'app') handle(m.data);
 * ```
 */
export function decodeChannel(bytes: Uint8Array): ChannelMessage {
  return decodeChecked<ChannelMessage>(CHANNEL, bytes, false);
}
