/**
 * The passcode verification protocol, message level. Runs inside the pairwise channel between
 * host and joiner (already authenticated and encrypted); even there the passcode and its
 * Argon2id output never travel — the joiner proves knowledge with an HMAC over a fresh host
 * challenge and the channel's transcript binding.
 *
 * ```
 *   host                                              joiner
 *    | challenge  = 0x01 ‖ v ‖ nonce(32) ‖ ops ‖ memKiB   |
 *    |-------------------------------------------------->|  key = Argon2id(passcode, salt(roomId), ops, mem)
 *    | response   = 0x02 ‖ v ‖ nonce(32) ‖ proof(32)      |  proof = HMAC-SHA256(key, proofInput)
 *    |<--------------------------------------------------|
 *    | result     = 0x03 ‖ v ‖ status ‖ retryAfterMs      |
 *    |-------------------------------------------------->|
 *
 *   challenge (42 bytes)
 *    0      1      2                        34             38               42
 *    +------+------+------------------------+--------------+----------------+
 *    | 0x01 | 0x01 | nonce (random, 32)     | opsLimit u32 | memLimitKiB u32|
 *    +------+------+------------------------+--------------+----------------+
 *   response (66 bytes)
 *    +------+------+------------------------+------------------------+
 *    | 0x02 | 0x01 | nonce (echo, 32)       | proof (HMAC-SHA256, 32)|
 *    +------+------+------------------------+------------------------+
 *   result (7 bytes)          status: 0 accepted, 1 wrong, 2 rate-limited
 *    +------+------+--------+------------------+
 *    | 0x03 | 0x01 | status | retryAfterMs u32 |
 *    +------+------+--------+------------------+
 *
 *   proofInput = "sealrtc passcode proof v1" ‖ u16 len ‖ UTF-8(roomId) ‖ nonce
 *                ‖ u16 len ‖ binding ‖ opsLimit u32 ‖ memLimitKiB u32        (integers big-endian)
 * ```
 *
 * `binding` is what the pairwise channel exposes about its handshake (e.g. the transcript hash
 * that both identities and X25519 keys were signed over), so a proof cannot be relayed into a
 * different channel.
 *
 * @module
 */
import { PasscodeError } from './errors.js';
import { checkPasscodeParams, stretchPasscode } from './stretch.js';
import type { PasscodeParams } from './stretch.js';

const VERSION = 1;
const KIND_CHALLENGE = 1;
const KIND_RESPONSE = 2;
const KIND_RESULT = 3;
/** Bytes of the challenge nonce. */
export const NONCE_BYTES = 32;
const enc = new TextEncoder();

/** A decoded challenge. */
export interface PasscodeChallenge {
  readonly nonce: Uint8Array;
  readonly params: PasscodeParams;
}

/** Outcome the host reports in a result message. */
export type PasscodeStatus = 'accepted' | 'wrong' | 'rate-limited';
const STATUS: readonly PasscodeStatus[] = ['accepted', 'wrong', 'rate-limited'];

/** Encode a challenge message. */
export function encodeChallenge(challenge: PasscodeChallenge): Uint8Array {
  const out = new Uint8Array(2 + NONCE_BYTES + 8);
  const view = new DataView(out.buffer);
  out[0] = KIND_CHALLENGE;
  out[1] = VERSION;
  out.set(checkNonce(challenge.nonce), 2);
  view.setUint32(2 + NONCE_BYTES, challenge.params.opsLimit);
  view.setUint32(6 + NONCE_BYTES, challenge.params.memLimitKiB);
  return out;
}

/**
 * Decode a challenge; parameters must be within the joiner's bounds.
 *
 * @throws {PasscodeError} `'malformed-message'`
 * @example
 * ```ts
 * const { params } = decodeChallenge(bytes); // e.g. show "checking passcode…" for the expected cost
 * ```
 */
export function decodeChallenge(bytes: Uint8Array): PasscodeChallenge {
  expectShape(bytes, KIND_CHALLENGE, 2 + NONCE_BYTES + 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const params = { opsLimit: view.getUint32(2 + NONCE_BYTES), memLimitKiB: view.getUint32(6 + NONCE_BYTES) };
  try {
    checkPasscodeParams(params);
  } catch (cause) {
    throw new PasscodeError('malformed-message', 'challenge carries Argon2id parameters out of bounds', { cause });
  }
  return { nonce: bytes.slice(2, 2 + NONCE_BYTES), params };
}

/** Encode a response message. */
export function encodeResponse(nonce: Uint8Array, proof: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + NONCE_BYTES + 32);
  out[0] = KIND_RESPONSE;
  out[1] = VERSION;
  out.set(checkNonce(nonce), 2);
  out.set(proof, 2 + NONCE_BYTES);
  return out;
}

/**
 * Decode a response message.
 *
 * @throws {PasscodeError} `'malformed-message'`
 */
export function decodeResponse(bytes: Uint8Array): { nonce: Uint8Array; proof: Uint8Array } {
  expectShape(bytes, KIND_RESPONSE, 2 + NONCE_BYTES + 32);
  return { nonce: bytes.slice(2, 2 + NONCE_BYTES), proof: bytes.slice(2 + NONCE_BYTES) };
}

/** Encode a result message. */
export function encodeResult(status: PasscodeStatus, retryAfterMs = 0): Uint8Array {
  const out = new Uint8Array(7);
  out[0] = KIND_RESULT;
  out[1] = VERSION;
  out[2] = STATUS.indexOf(status);
  new DataView(out.buffer).setUint32(3, Math.min(0xffffffff, Math.max(0, Math.ceil(retryAfterMs))));
  return out;
}

/**
 * Joiner side: read the host's result. Returns when the passcode was accepted.
 *
 * @throws {PasscodeError} `'passcode-wrong'`, `'rate-limited'` (with `retryAfterMs`), `'malformed-message'`
 * @example
 * ```ts
 * channel.onPasscodeResult((bytes) => { try { readPasscodeResult(bytes); enterLobby(); } catch (e) { showError(e.code); } });
 * ```
 */
export function readPasscodeResult(bytes: Uint8Array): void {
  expectShape(bytes, KIND_RESULT, 7);
  const status = STATUS[bytes[2]!];
  const retryAfterMs = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(3);
  switch (status) {
    case 'accepted':
      return;
    case 'wrong':
      throw new PasscodeError('passcode-wrong', 'the host refused the passcode');
    case 'rate-limited':
      throw new PasscodeError('rate-limited', 'too many passcode attempts; retry later', { retryAfterMs });
    case undefined:
      throw new PasscodeError('malformed-message', 'unknown passcode result status');
    default: {
      const never: never = status;
      return never;
    }
  }
}

/** The bytes the proof HMAC covers (see the module comment). */
export function proofInput(roomId: string, nonce: Uint8Array, binding: Uint8Array, params: PasscodeParams): Uint8Array {
  const label = enc.encode('sealrtc passcode proof v1');
  const room = enc.encode(roomId);
  if (room.length > 0xffff || binding.length > 0xffff || binding.length === 0) {
    throw new PasscodeError('invalid-options', 'room id or channel binding has an unusable length');
  }
  const out = new Uint8Array(label.length + 2 + room.length + NONCE_BYTES + 2 + binding.length + 8);
  const view = new DataView(out.buffer);
  let o = 0;
  out.set(label, o);
  o += label.length;
  view.setUint16(o, room.length);
  out.set(room, o + 2);
  o += 2 + room.length;
  out.set(checkNonce(nonce), o);
  o += NONCE_BYTES;
  view.setUint16(o, binding.length);
  out.set(binding, o + 2);
  o += 2 + binding.length;
  view.setUint32(o, params.opsLimit);
  view.setUint32(o + 4, params.memLimitKiB);
  return out;
}

/** Import a stretched key as a non-extractable HMAC-SHA256 key (WebCrypto copies the bytes). */
export function importProofKey(stretched: Uint8Array): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('raw', stretched as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

/** Options of {@link answerPasscodeChallenge}. */
export interface AnswerPasscodeOptions {
  roomId: string;
  /** The passcode the user typed; `undefined`/empty → `'passcode-required'`. */
  passcode: string | undefined;
  /** The challenge message bytes from the host. */
  challenge: Uint8Array;
  /** The pairwise channel's transcript binding (same bytes on both ends). */
  binding: Uint8Array;
}

/**
 * Joiner side: answer a host challenge with a proof of the passcode. The stretched key is zeroed
 * before this returns; only the response message leaves.
 *
 * @throws {PasscodeError} `'passcode-required'`, `'malformed-message'`, `'invalid-options'`
 * @example
 * ```ts
 * const response = await answerPasscodeChallenge({ roomId, passcode: typed, challenge: bytes, binding });
 * session.sendToPeer(hostId, response);
 * ```
 */
export async function answerPasscodeChallenge(options: AnswerPasscodeOptions): Promise<Uint8Array> {
  const { roomId, passcode, binding } = options;
  if (passcode === undefined || passcode === '') throw new PasscodeError('passcode-required', 'this room requires a passcode');
  const { nonce, params } = decodeChallenge(options.challenge);
  const data = proofInput(roomId, nonce, binding, params);
  const stretched = await stretchPasscode(passcode, roomId, params);
  let key: CryptoKey;
  try {
    key = await importProofKey(stretched);
  } finally {
    stretched.fill(0);
  }
  const proof = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, data as Uint8Array<ArrayBuffer>));
  return encodeResponse(nonce, proof);
}

function expectShape(bytes: Uint8Array, kind: number, length: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length || bytes[0] !== kind || bytes[1] !== VERSION) {
    throw new PasscodeError('malformed-message', 'unexpected passcode message kind, version or length');
  }
}

function checkNonce(nonce: Uint8Array): Uint8Array {
  if (nonce.length !== NONCE_BYTES) throw new PasscodeError('invalid-options', 'challenge nonce must be 32 bytes');
  return nonce;
}
