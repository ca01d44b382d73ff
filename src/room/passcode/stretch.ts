/**
 * Passcode stretching with Argon2id (RFC 9106) through libsodium's `crypto_pwhash`.
 *
 * ```
 *   salt = SHA-256( "sealrtc passcode salt v1" ‖ 0x00 ‖ UTF-8(roomId) )[0..16]
 *   key  = Argon2id( UTF-8(NFC(passcode)), salt, opsLimit, memLimit, parallelism 1 ) → 32 bytes
 * ```
 *
 * The salt is derived from the room id so host and joiner compute the same key without sending
 * a salt, and a key precomputed for one room is useless in another.
 *
 * Default parameters: opsLimit 3, memLimit 64 MiB — RFC 9106 §4's second recommended option
 * (t = 3, 64 MiB; libsodium runs one lane). About 0.2 s in Node's WASM on a 2-vCPU machine, and
 * within reach of phone browsers. Tests pass lighter parameters through the `params` option.
 *
 * @module
 */
import { PasscodeError } from './errors.js';
import { loadSodium } from './sodium.js';

/** Argon2id cost parameters. */
export interface PasscodeParams {
  /** Passes over memory (Argon2 `t`). 1 ≤ opsLimit ≤ {@link MAX_PASSCODE_PARAMS}.opsLimit. */
  readonly opsLimit: number;
  /** Memory in KiB (Argon2 `m`). 8 ≤ memLimitKiB ≤ {@link MAX_PASSCODE_PARAMS}.memLimitKiB. */
  readonly memLimitKiB: number;
}

/** The defaults: t = 3, m = 64 MiB. */
export const DEFAULT_PASSCODE_PARAMS: PasscodeParams = Object.freeze({ opsLimit: 3, memLimitKiB: 64 * 1024 });

/** Upper bounds a joiner accepts from a host's challenge (keeps a browser tab from being exhausted). */
export const MAX_PASSCODE_PARAMS: PasscodeParams = Object.freeze({ opsLimit: 10, memLimitKiB: 256 * 1024 });

/** Length of the stretched key in bytes. */
export const STRETCHED_KEY_BYTES = 32;

const enc = new TextEncoder();

/**
 * Check that `params` are integers within libsodium's minimum and {@link MAX_PASSCODE_PARAMS}.
 *
 * @throws {PasscodeError} `'invalid-options'`
 */
export function checkPasscodeParams(params: PasscodeParams): PasscodeParams {
  const { opsLimit, memLimitKiB } = params;
  if (!Number.isSafeInteger(opsLimit) || opsLimit < 1 || opsLimit > MAX_PASSCODE_PARAMS.opsLimit) {
    throw new PasscodeError('invalid-options', 'Argon2id opsLimit out of range');
  }
  if (!Number.isSafeInteger(memLimitKiB) || memLimitKiB < 8 || memLimitKiB > MAX_PASSCODE_PARAMS.memLimitKiB) {
    throw new PasscodeError('invalid-options', 'Argon2id memLimitKiB out of range');
  }
  return { opsLimit, memLimitKiB };
}

/**
 * The 16-byte Argon2id salt of a room.
 *
 * @throws {PasscodeError} `'invalid-options'` for an empty room id.
 * @example
 * ```ts
 * const salt = await passcodeSalt('room-42'); // 16 bytes, same on every client
 * ```
 */
export async function passcodeSalt(roomId: string): Promise<Uint8Array> {
  if (typeof roomId !== 'string' || roomId.length === 0) throw new PasscodeError('invalid-options', 'room id must be a non-empty string');
  const data = enc.encode(`sealrtc passcode salt v1\u0000${roomId}`);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));
  return digest.slice(0, 16);
}

/**
 * Stretch a passcode for a room with Argon2id. Loads libsodium on first use. The caller owns the
 * returned key and must zero it when done.
 *
 * @throws {PasscodeError} `'passcode-required'` for an empty passcode; `'invalid-options'` for bad params or room id.
 * @example
 * ```ts
 * const key = await stretchPasscode('4711-blue', 'room-42');
 * try { … } finally { key.fill(0); }
 * ```
 */
export async function stretchPasscode(
  passcode: string,
  roomId: string,
  params: PasscodeParams = DEFAULT_PASSCODE_PARAMS,
): Promise<Uint8Array> {
  if (typeof passcode !== 'string' || passcode.length === 0) throw new PasscodeError('passcode-required', 'a passcode is required');
  const { opsLimit, memLimitKiB } = checkPasscodeParams(params);
  const salt = await passcodeSalt(roomId);
  const sodium = await loadSodium();
  const password = enc.encode(passcode.normalize('NFC'));
  try {
    return sodium.crypto_pwhash(
      STRETCHED_KEY_BYTES,
      password,
      salt,
      opsLimit,
      memLimitKiB * 1024,
      sodium.crypto_pwhash_ALG_ARGON2ID13,
    );
  } finally {
    password.fill(0);
  }
}
