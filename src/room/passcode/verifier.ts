/**
 * Host side of the passcode protocol: issues single-use challenges, checks proofs, and limits
 * failed attempts per joiner identity (and across all joiners) with exponential backoff.
 *
 * The host stretches the room passcode once at creation and keeps only a non-extractable
 * WebCrypto HMAC key; the raw Argon2id output is zeroed immediately.
 *
 * Rate limiting: after `freeAttempts` failures a key is blocked for `baseDelayMs`, doubling per
 * further failure up to `maxDelayMs`. While blocked, responses are answered `rate-limited`
 * *without checking the proof*, so a blocked guesser learns nothing. A global limiter with a
 * larger allowance slows an attacker who rotates identities (and it is never evicted). A success
 * resets that identity. At most {@link MAX_TRACKED_IDENTITIES} identities are tracked.
 *
 * @module
 */
import { PasscodeError } from './errors.js';
import { NONCE_BYTES, decodeResponse, encodeChallenge, encodeResult, importProofKey, proofInput } from './messages.js';
import { DEFAULT_PASSCODE_PARAMS, checkPasscodeParams, stretchPasscode } from './stretch.js';
import type { PasscodeParams } from './stretch.js';

/** Backoff policy. */
export interface RateLimitPolicy {
  /** Failures allowed before backoff starts. Default 3 per identity, 20 globally. */
  freeAttempts: number;
  /** First block length. Default 2 000 ms per identity, 10 000 ms globally. */
  baseDelayMs: number;
  /** Longest block. Default 300 000 ms. */
  maxDelayMs: number;
}

/** Options of {@link PasscodeVerifier.create}. */
export interface PasscodeVerifierOptions {
  roomId: string;
  /** The room passcode (the host's app holds it). */
  passcode: string;
  /** Argon2id cost; default {@link DEFAULT_PASSCODE_PARAMS}. Sent to joiners in each challenge. */
  params?: PasscodeParams;
  /** Per-identity backoff. */
  perIdentity?: Partial<RateLimitPolicy>;
  /** Backoff over all identities together. */
  global?: Partial<RateLimitPolicy>;
  /** A challenge older than this is refused with `'no-challenge'`. Default 300 000 ms. */
  challengeTtlMs?: number;
  /** Clock (ms); default `Date.now`. */
  now?: () => number;
}

/** What {@link PasscodeVerifier.verify} decided, and the result message to send back. */
export type PasscodeVerdict =
  | { readonly accepted: true; readonly reply: Uint8Array }
  | { readonly accepted: false; readonly reply: Uint8Array; readonly error: PasscodeError };

class Backoff {
  readonly #policy: RateLimitPolicy;
  readonly #state = new Map<string, { failures: number; blockedUntil: number }>();
  constructor(policy: RateLimitPolicy) {
    this.#policy = policy;
  }
  retryAfter(key: string, now: number): number {
    const s = this.#state.get(key);
    return s && s.blockedUntil > now ? s.blockedUntil - now : 0;
  }
  fail(key: string, now: number): void {
    const s = this.#state.get(key) ?? { failures: 0, blockedUntil: 0 };
    s.failures++;
    const over = s.failures - this.#policy.freeAttempts;
    if (over > 0) s.blockedUntil = now + Math.min(this.#policy.maxDelayMs, this.#policy.baseDelayMs * 2 ** Math.min(over - 1, 30));
    this.#state.delete(key);
    this.#state.set(key, s);
    evictOldest(this.#state);
  }
  reset(key: string): void {
    this.#state.delete(key);
  }
}

const GLOBAL = '\u0000all';
/** Most identities tracked at once (pending challenges, backoff); the oldest are forgotten first. */
export const MAX_TRACKED_IDENTITIES = 4096;

/** Keep a map within {@link MAX_TRACKED_IDENTITIES}: an attacker minting identities cannot grow host memory. */
function evictOldest(map: Map<string, unknown>): void {
  while (map.size > MAX_TRACKED_IDENTITIES) map.delete(map.keys().next().value as string);
}

/**
 * Host-side passcode verifier.
 *
 * @example
 * ```ts
 * const verifier = await PasscodeVerifier.create({ roomId, passcode: hostOptions.passcode });
 * session.sendToPeer(joinerId, verifier.challenge(joinerIdentityHex));
 * // …later, when the joiner's response arrives:
 * const verdict = await verifier.verify(joinerIdentityHex, responseBytes, channelBinding);
 * session.sendToPeer(joinerId, verdict.reply);
 * if (verdict.accepted) lobby.markPasscodeOk(joinerId);
 * ```
 */
export class PasscodeVerifier {
  readonly #roomId: string;
  readonly #params: PasscodeParams;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #perIdentity: Backoff;
  readonly #global: Backoff;
  readonly #pending = new Map<string, { nonce: Uint8Array; issuedAt: number }>();
  #key: CryptoKey | undefined;

  private constructor(options: PasscodeVerifierOptions, params: PasscodeParams, key: CryptoKey) {
    this.#roomId = options.roomId;
    this.#params = params;
    this.#ttl = options.challengeTtlMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    this.#perIdentity = new Backoff({ freeAttempts: 3, baseDelayMs: 2000, maxDelayMs: 300_000, ...options.perIdentity });
    this.#global = new Backoff({ freeAttempts: 20, baseDelayMs: 10_000, maxDelayMs: 300_000, ...options.global });
    this.#key = key;
  }

  /**
   * Stretch the room passcode (loads libsodium) and build a verifier.
   *
   * @throws {PasscodeError} `'passcode-required'` (empty passcode), `'invalid-options'`
   */
  static async create(options: PasscodeVerifierOptions): Promise<PasscodeVerifier> {
    const params = checkPasscodeParams(options.params ?? DEFAULT_PASSCODE_PARAMS);
    const stretched = await stretchPasscode(options.passcode, options.roomId, params);
    try {
      return new PasscodeVerifier(options, params, await importProofKey(stretched));
    } finally {
      stretched.fill(0);
    }
  }

  /**
   * Issue a fresh single-use challenge for `identity` (replacing any earlier one).
   *
   * @param identity a stable key for the joiner — its identity public key (hex), not a display name.
   * @throws {PasscodeError} `'rate-limited'` (with `retryAfterMs`), `'closed'`
   */
  challenge(identity: string): Uint8Array {
    this.#open();
    const now = this.#now();
    const wait = Math.max(this.#perIdentity.retryAfter(identity, now), this.#global.retryAfter(GLOBAL, now));
    if (wait > 0) throw new PasscodeError('rate-limited', 'too many passcode attempts; retry later', { retryAfterMs: wait });
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    this.#pending.delete(identity);
    this.#pending.set(identity, { nonce, issuedAt: now });
    evictOldest(this.#pending);
    return encodeChallenge({ nonce, params: this.#params });
  }

  /**
   * Check a joiner's response against the pending challenge and the channel binding. The
   * challenge is consumed whatever the outcome. A malformed or unsolicited response counts as a
   * failed attempt.
   *
   * @returns a verdict with the result message to send back; rejected verdicts carry
   *   `'passcode-wrong'`, `'rate-limited'`, `'no-challenge'` or `'malformed-message'`.
   * @throws {PasscodeError} `'closed'`, `'invalid-options'` (empty binding — a caller bug)
   */
  async verify(identity: string, response: Uint8Array, binding: Uint8Array): Promise<PasscodeVerdict> {
    const key = this.#open();
    const now = this.#now();
    const pending = this.#pending.get(identity);
    this.#pending.delete(identity);
    const wait = Math.max(this.#perIdentity.retryAfter(identity, now), this.#global.retryAfter(GLOBAL, now));
    if (wait > 0) {
      const error = new PasscodeError('rate-limited', 'too many passcode attempts; retry later', { retryAfterMs: wait });
      return { accepted: false, reply: encodeResult('rate-limited', wait), error };
    }
    let error: PasscodeError | undefined;
    if (!pending || now - pending.issuedAt > this.#ttl) {
      error = new PasscodeError('no-challenge', 'no live passcode challenge for this participant');
    } else {
      let parsed: { nonce: Uint8Array; proof: Uint8Array } | undefined;
      try {
        parsed = decodeResponse(response);
      } catch (e) {
        if (!(e instanceof PasscodeError)) throw e;
        error = e;
      }
      if (parsed) {
        const data = proofInput(this.#roomId, pending.nonce, binding, this.#params);
        const nonceOk = equalBytes(parsed.nonce, pending.nonce);
        const proofOk = await globalThis.crypto.subtle.verify('HMAC', key, parsed.proof as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
        if (nonceOk && proofOk) {
          this.#perIdentity.reset(identity);
          return { accepted: true, reply: encodeResult('accepted') };
        }
        error = new PasscodeError('passcode-wrong', 'the passcode proof did not verify');
      }
    }
    this.#perIdentity.fail(identity, now);
    this.#global.fail(GLOBAL, now);
    return { accepted: false, reply: encodeResult('wrong'), error: error! };
  }

  /** Forget the HMAC key and pending challenges. Idempotent. */
  close(): void {
    this.#key = undefined;
    this.#pending.clear();
  }

  #open(): CryptoKey {
    if (!this.#key) throw new PasscodeError('closed', 'the passcode verifier is closed');
    return this.#key;
  }
}

/** Equality of two public values (the echoed nonce); the secret-dependent check is WebCrypto's. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
