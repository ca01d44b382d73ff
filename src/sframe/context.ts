/**
 * {@link SFrameContext}: the stateful SFrame endpoint a media pipeline keeps per call.
 *
 * It holds one prepared key per KID (derived and imported once, RFC 9605 §4.4.2), owns every
 * encrypt KID's counter (RFC 9605 §4.4.3: a CTR is never used twice with one key) and a replay
 * window per decrypt KID (RFC 9605's security considerations leave replay protection to the
 * receiver; the counter makes it cheap).
 *
 * Concurrency: `encrypt` reserves its CTR synchronously, before it returns its promise, so concurrent
 * calls always get distinct counters; `decrypt` records a CTR only after the frame authenticated,
 * in one synchronous check-and-set, so a forged frame cannot move the window and two concurrent
 * copies of one frame cannot both be accepted.
 *
 * @module
 */
import { SFrameError } from './errors.js';
import { decodeHeader, checkU64 } from './header.js';
import { copyBaseKey } from './keyschedule.js';
import { openFrame, prepareFrameKey, retireFrameKey, sealFrame, type FrameKey } from './frame.js';
import type { OpenResult } from './oneshot.js';
import { ReplayWindow, SendCounter } from './counter.js';
import { DEFAULT_CIPHER_SUITE, suiteParams, type SuiteParams } from './suites.js';

/** Options of {@link SFrameContext}. */
export interface SFrameContextOptions {
  /** Cipher suite for every key of this context; default AES_256_GCM_SHA512_128 (0x0005). */
  suite?: number;
  /** CTR values remembered below the highest accepted one, per decrypt KID; default 128 (0…65536). */
  replayWindow?: number;
  /**
   * Highest CTR sent under one KID. Defaults to the suite's safe limit
   * ({@link SuiteParams.maxCounter}, 2^23 − 1) and may only be lowered.
   */
  counterLimit?: bigint;
}

interface Entry {
  key: FrameKey | undefined;
  readonly ready: Promise<FrameKey>;
}
interface SendEntry extends Entry {
  readonly counter: SendCounter;
}
interface RecvEntry extends Entry {
  readonly window: ReplayWindow;
}

const unknownKey = (): SFrameError => new SFrameError('unknown-key', 'no SFrame key for this KID');
const replayed = (): SFrameError => new SFrameError('replay', 'SFrame counter replayed or outside the replay window');

/**
 * Stateful SFrame encryption/decryption with per-KID cached keys, owned counters and replay
 * windows (RFC 9605 §4.4). The context copies the base keys it is given (callers may zero theirs
 * as soon as the call returns) and zeroes what it derived when a key is removed.
 *
 * @example
 * ```ts
 * const alice = new SFrameContext();            // AES_256_GCM_SHA512_128
 * await alice.addEncryptKey(1n, baseKey);
 * const bob = new SFrameContext();
 * await bob.addDecryptKey(1n, baseKey);
 * const frame = await alice.encrypt(1n, new Uint8Array(0), media);
 * const { plaintext } = await bob.decrypt(new Uint8Array(0), frame);
 * ```
 */
export class SFrameContext {
  /** The cipher suite of this context. */
  readonly suite: number;
  /** Replay window size per decrypt KID. */
  readonly replayWindow: number;
  readonly #params: SuiteParams;
  readonly #counterLimit: bigint;
  readonly #send = new Map<bigint, SendEntry>();
  readonly #recv = new Map<bigint, RecvEntry>();
  /** Next CTR of removed encrypt KIDs: re-adding a KID continues its counter, never restarts it. */
  readonly #retiredCounters = new Map<bigint, bigint>();

  /**
   * @throws SFrameError `'unsupported-suite'`; `'invalid-argument'` for a replay window outside
   *   0…65536 or a counter limit outside 0…the suite's safe limit.
   */
  constructor(opts: SFrameContextOptions = {}) {
    this.#params = suiteParams(opts.suite ?? DEFAULT_CIPHER_SUITE);
    this.suite = this.#params.id;
    const w = opts.replayWindow ?? 128;
    if (!Number.isInteger(w) || w < 0 || w > 65536) {
      throw new SFrameError('invalid-argument', 'replayWindow must be an integer in 0…65536');
    }
    this.replayWindow = w;
    const limit = opts.counterLimit ?? this.#params.maxCounter;
    if (typeof limit !== 'bigint' || limit < 0n || limit > this.#params.maxCounter) {
      throw new SFrameError('invalid-argument', "counterLimit must be a bigint in 0…the suite's safe limit");
    }
    this.#counterLimit = limit;
  }

  /**
   * Installs (or replaces) the key that {@link SFrameContext.encrypt} uses for `kid`. Frames can be
   * encrypted as soon as this is called; they wait for the derivation. Replacing a KID's key keeps
   * its counter running.
   *
   * @throws SFrameError `'invalid-argument'` (KID range, base key shorter than 16 bytes).
   * @example
   * ```ts
   * await ctx.addEncryptKey(42n, baseKey); baseKey.fill(0);
   * ```
   */
  async addEncryptKey(kid: bigint, baseKey: Uint8Array): Promise<void> {
    checkU64(kid, 'KID');
    const copy = copyBaseKey(baseKey);
    const prev = this.#send.get(kid);
    const counter = prev?.counter ?? new SendCounter(this.#retiredCounters.get(kid) ?? 0n, this.#counterLimit);
    this.#retiredCounters.delete(kid);
    const entry: SendEntry = { key: undefined, ready: this.#prepare(copy, kid), counter };
    this.#send.set(kid, entry);
    if (prev !== undefined) retireEntry(prev);
    await this.#settle(this.#send, kid, entry, () => this.#retiredCounters.set(kid, counter.peek()));
  }

  /**
   * Installs (or replaces) a key for decrypting frames whose header carries `kid`. Replacing a
   * KID's key keeps its replay window.
   *
   * @throws SFrameError `'invalid-argument'` (KID range, base key shorter than 16 bytes).
   * @example
   * ```ts
   * await ctx.addDecryptKey(7n, peerBaseKey);
   * ```
   */
  async addDecryptKey(kid: bigint, baseKey: Uint8Array): Promise<void> {
    checkU64(kid, 'KID');
    const copy = copyBaseKey(baseKey);
    const prev = this.#recv.get(kid);
    const entry: RecvEntry = {
      key: undefined,
      ready: this.#prepare(copy, kid),
      window: prev?.window ?? new ReplayWindow(this.replayWindow),
    };
    this.#recv.set(kid, entry);
    if (prev !== undefined) retireEntry(prev);
    await this.#settle(this.#recv, kid, entry, () => undefined);
  }

  /**
   * Forgets the encrypt and/or decrypt key of `kid` and zeroes its derived salt. Frames still in
   * flight under it fail with `'unknown-key'`. No-op for an unknown KID.
   *
   * @example
   * ```ts
   * ctx.removeKey(oldKid); // epoch retired
   * ```
   */
  removeKey(kid: bigint): void {
    const s = this.#send.get(kid);
    if (s !== undefined) {
      this.#send.delete(kid);
      this.#retiredCounters.set(kid, s.counter.peek());
      retireEntry(s);
    }
    const r = this.#recv.get(kid);
    if (r !== undefined) {
      this.#recv.delete(kid);
      retireEntry(r);
    }
  }

  /**
   * Removes every key (as {@link SFrameContext.removeKey} does for each).
   *
   * @example
   * ```ts
   * ctx.clear(); // call ended
   * ```
   */
  clear(): void {
    for (const kid of [...this.#send.keys(), ...this.#recv.keys()]) this.removeKey(kid);
  }

  /**
   * Whether an encrypt or decrypt key is installed for `kid` (including one still being derived).
   *
   * @example
   * ```ts
   * if (!ctx.hasKey(kid)) await ctx.addDecryptKey(kid, key);
   * ```
   */
  hasKey(kid: bigint): boolean {
    return this.#send.has(kid) || this.#recv.has(kid);
  }

  /**
   * Encrypts one frame under `kid` with the next counter value: returns `header ‖ ct ‖ tag`
   * (RFC 9605 §4.4.3) in a buffer that spans its whole ArrayBuffer.
   *
   * @throws SFrameError `'unknown-key'` (no encrypt key for `kid`, or removed meanwhile),
   *   `'counter-exhausted'` (install a new key).
   * @example
   * ```ts
   * const sframe = await ctx.encrypt(kid, codecHeaderBytes, payload);
   * ```
   */
  encrypt(kid: bigint, metadata: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    // Not `async`: the hot path returns WebCrypto's chain directly, with no extra hops.
    try {
      const e = this.#send.get(kid);
      if (e === undefined) throw unknownKey();
      const ctr = e.counter.next(); // reserved synchronously: concurrent calls never share a CTR
      if (e.key !== undefined) return sealFrame(e.key, ctr, metadata, plaintext);
      return e.ready.then((key) => {
        if (key.retired) throw unknownKey();
        return sealFrame(key, ctr, metadata, plaintext);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Decrypts one SFrame with the key its KID names (RFC 9605 §4.4.4), after the replay check.
   * Never returns partial plaintext.
   *
   * @throws SFrameError `'malformed-header'`, `'unknown-key'`, `'replay'`, `'auth-failed'`.
   * @example
   * ```ts
   * const { kid, ctr, plaintext } = await ctx.decrypt(codecHeaderBytes, sframe);
   * ```
   */
  decrypt(metadata: Uint8Array, sframe: Uint8Array): Promise<OpenResult> {
    try {
      const hdr = decodeHeader(sframe);
      const e = this.#recv.get(hdr.kid);
      if (e === undefined) throw unknownKey();
      if (!e.window.check(hdr.ctr)) throw replayed();
      const finish = (plaintext: Uint8Array): OpenResult => {
        // Record the CTR only now that the frame is authentic, in one synchronous check-and-set.
        if (!this.#recv.has(hdr.kid)) {
          plaintext.fill(0);
          throw unknownKey();
        }
        if (!e.window.accept(hdr.ctr)) {
          plaintext.fill(0);
          throw replayed();
        }
        return { kid: hdr.kid, ctr: hdr.ctr, plaintext };
      };
      if (e.key !== undefined) return openFrame(e.key, hdr, metadata, sframe).then(finish);
      return e.ready.then((key) => {
        if (key.retired) throw unknownKey();
        return openFrame(key, hdr, metadata, sframe).then(finish);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #prepare(baseKey: Uint8Array, kid: bigint): Promise<FrameKey> {
    try {
      return await prepareFrameKey(this.#params, baseKey, kid);
    } finally {
      baseKey.fill(0);
    }
  }

  /** Waits for an entry's key; drops it if it was replaced/removed meanwhile or failed. */
  async #settle<E extends Entry>(map: Map<bigint, E>, kid: bigint, entry: E, onDrop: () => void): Promise<void> {
    try {
      const key = await entry.ready;
      if (map.get(kid) === entry) entry.key = key;
      else retireFrameKey(key);
    } catch (err) {
      if (map.get(kid) === entry) {
        map.delete(kid);
        onDrop();
      }
      throw err;
    }
  }
}

/** Retires an entry's key now if ready; a pending one is retired by its own `#settle`. */
function retireEntry(e: Entry): void {
  if (e.key !== undefined) retireFrameKey(e.key);
}
