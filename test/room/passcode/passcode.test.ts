/**
 * Room passcode: the right one is accepted, wrong ones refused, attempts rate-limited, and the
 * exchanged bytes carry neither the passcode nor its Argon2id output. Light Argon2id parameters
 * keep the suite fast; one test runs the defaults.
 */
import { build } from 'esbuild';
import fc from 'fast-check';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PASSCODE_PARAMS,
  PasscodeError,
  PasscodeVerifier,
  answerPasscodeChallenge,
  decodeChallenge,
  readPasscodeResult,
  stretchPasscode,
} from '../../../src/room/passcode/index.js';
import type { PasscodeParams, PasscodeVerifierOptions } from '../../../src/room/passcode/index.js';
import { encodeChallenge } from '../../../src/room/passcode/messages.js';

const LIGHT: PasscodeParams = { opsLimit: 1, memLimitKiB: 64 };
const ROOM = 'room-42';
const BINDING = new Uint8Array(32).fill(0xab);
const JOINER = 'a1'.repeat(32);

function clock() {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
}

async function host(passcode = 'blue-4711', extra: Partial<PasscodeVerifierOptions> = {}) {
  return PasscodeVerifier.create({ roomId: ROOM, passcode, params: LIGHT, ...extra });
}

/** One full exchange; returns every message that crossed the channel and the joiner's outcome. */
async function attempt(verifier: PasscodeVerifier, passcode: string | undefined, opts: { binding?: Uint8Array; roomId?: string; id?: string } = {}) {
  const id = opts.id ?? JOINER;
  const challenge = verifier.challenge(id);
  const response = await answerPasscodeChallenge({ roomId: opts.roomId ?? ROOM, passcode, challenge, binding: opts.binding ?? BINDING });
  const verdict = await verifier.verify(id, response, BINDING);
  let outcome = 'accepted';
  try {
    readPasscodeResult(verdict.reply);
  } catch (e) {
    outcome = (e as PasscodeError).code;
  }
  return { wire: [challenge, response, verdict.reply], verdict, outcome };
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('passcode protocol', () => {
  it('accepts the correct passcode', async () => {
    const { verdict, outcome } = await attempt(await host(), 'blue-4711');
    expect(verdict.accepted).toBe(true);
    expect(outcome).toBe('accepted');
  });

  it('refuses a wrong passcode (host verdict and joiner both see passcode-wrong)', async () => {
    const { verdict, outcome } = await attempt(await host(), 'blue-4712');
    expect(verdict).toMatchObject({ accepted: false, error: { code: 'passcode-wrong' } });
    expect(outcome).toBe('passcode-wrong');
  });

  it('a proof is bound to the channel binding and to the room', async () => {
    const v = await host();
    expect((await attempt(v, 'blue-4711', { binding: new Uint8Array(32).fill(1) })).outcome).toBe('passcode-wrong');
    expect((await attempt(v, 'blue-4711', { roomId: 'room-43' })).outcome).toBe('passcode-wrong');
  });

  it('a recorded correct response does not pass a new challenge (replay)', async () => {
    const v = await host();
    const first = await attempt(v, 'blue-4711');
    expect(first.verdict.accepted).toBe(true);
    v.challenge(JOINER);
    const replayed = await v.verify(JOINER, first.wire[1]!, BINDING);
    expect(replayed).toMatchObject({ accepted: false, error: { code: 'passcode-wrong' } });
    // …and once consumed, the same challenge cannot be answered twice.
    expect(await v.verify(JOINER, first.wire[1]!, BINDING)).toMatchObject({ accepted: false, error: { code: 'no-challenge' } });
  });

  it('an unsolicited, expired or malformed response is refused', async () => {
    const c = clock();
    const v = await host('blue-4711', { now: c.now, challengeTtlMs: 1000 });
    const ch = v.challenge(JOINER);
    const response = await answerPasscodeChallenge({ roomId: ROOM, passcode: 'blue-4711', challenge: ch, binding: BINDING });
    c.t += 1001;
    expect(await v.verify(JOINER, response, BINDING)).toMatchObject({ accepted: false, error: { code: 'no-challenge' } });
    v.challenge(JOINER);
    expect(await v.verify(JOINER, response.subarray(0, 40), BINDING)).toMatchObject({ error: { code: 'malformed-message' } });
  });

  it('passcode-required when the joiner has none or the host is given none', async () => {
    const v = await host();
    const challenge = v.challenge(JOINER);
    await expect(answerPasscodeChallenge({ roomId: ROOM, passcode: undefined, challenge, binding: BINDING })).rejects.toMatchObject({
      code: 'passcode-required',
    });
    await expect(answerPasscodeChallenge({ roomId: ROOM, passcode: '', challenge, binding: BINDING })).rejects.toBeInstanceOf(PasscodeError);
    await expect(PasscodeVerifier.create({ roomId: ROOM, passcode: '', params: LIGHT })).rejects.toMatchObject({ code: 'passcode-required' });
  });

  it('normalises Unicode (NFC) so the same passcode typed differently is accepted', async () => {
    const v = await host('caf\u00e9');
    expect((await attempt(v, 'cafe\u0301')).outcome).toBe('accepted');
  });

  it('a joiner refuses challenges with out-of-bounds Argon2id parameters', () => {
    const nonce = new Uint8Array(32);
    expect(() => decodeChallenge(encodeChallenge({ nonce, params: { opsLimit: 1, memLimitKiB: 4 * 1024 * 1024 } }))).toThrow(
      expect.objectContaining({ code: 'malformed-message' }),
    );
    expect(() => decodeChallenge(encodeChallenge({ nonce, params: { opsLimit: 0, memLimitKiB: 64 } }))).toThrow(
      expect.objectContaining({ code: 'malformed-message' }),
    );
    expect(() => decodeChallenge(new Uint8Array(41))).toThrow(expect.objectContaining({ code: 'malformed-message' }));
    expect(() => readPasscodeResult(new Uint8Array([3, 1, 9, 0, 0, 0, 0]))).toThrow(expect.objectContaining({ code: 'malformed-message' }));
  });
});

describe('rate limiting', () => {
  it('blocks an identity after the free attempts, with doubling backoff, and resets on success', async () => {
    const c = clock();
    const v = await host('blue-4711', { now: c.now, perIdentity: { freeAttempts: 3, baseDelayMs: 2000, maxDelayMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await attempt(v, 'guess' + i)).outcome).toBe('passcode-wrong');
    expect(() => v.challenge(JOINER)).not.toThrow(); // 3 failures are free
    expect((await attempt(v, 'guess3')).outcome).toBe('passcode-wrong'); // 4th failure → blocked 2 s
    expect(() => v.challenge(JOINER)).toThrow(expect.objectContaining({ code: 'rate-limited', retryAfterMs: 2000 }));
    c.t += 1999;
    expect(() => v.challenge(JOINER)).toThrow(expect.objectContaining({ code: 'rate-limited', retryAfterMs: 1 }));
    c.t += 1;
    expect((await attempt(v, 'guess4')).outcome).toBe('passcode-wrong'); // 5th → blocked 4 s
    expect(() => v.challenge(JOINER)).toThrow(expect.objectContaining({ retryAfterMs: 4000 }));
    // Another identity is not blocked by this one.
    expect((await attempt(v, 'blue-4711', { id: 'b2'.repeat(32) })).outcome).toBe('accepted');
    c.t += 4000;
    expect((await attempt(v, 'blue-4711')).outcome).toBe('accepted');
    for (let i = 0; i < 3; i++) expect((await attempt(v, 'again' + i)).outcome).toBe('passcode-wrong');
    expect(() => v.challenge(JOINER)).not.toThrow(); // the success reset the counter
  });

  it('while blocked, even the right passcode is answered rate-limited without checking it', async () => {
    const c = clock();
    const v = await host('blue-4711', { now: c.now, global: { freeAttempts: 2, baseDelayMs: 5000, maxDelayMs: 5000 } });
    const ch = v.challenge(JOINER); // issued before the block
    for (let i = 0; i < 3; i++) await attempt(v, 'wrong', { id: `rotating-${i}` });
    const response = await answerPasscodeChallenge({ roomId: ROOM, passcode: 'blue-4711', challenge: ch, binding: BINDING });
    const verdict = await v.verify(JOINER, response, BINDING);
    expect(verdict).toMatchObject({ accepted: false, error: { code: 'rate-limited', retryAfterMs: 5000 } });
    expect(() => readPasscodeResult(verdict.reply)).toThrow(expect.objectContaining({ code: 'rate-limited', retryAfterMs: 5000 }));
    expect(() => v.challenge('fresh-identity')).toThrow(expect.objectContaining({ code: 'rate-limited' }));
  });

  it('closed verifiers refuse to work', async () => {
    const v = await host();
    v.close();
    v.close();
    expect(() => v.challenge(JOINER)).toThrow(expect.objectContaining({ code: 'closed' }));
  });
});

describe('what crosses the channel', () => {
  it('property: no exchanged byte string contains the passcode or its Argon2id output', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 4, maxLength: 24 }), fc.boolean(), async (passcode, correct) => {
        const v = await host(passcode);
        const typed = correct ? passcode : passcode + 'x';
        const { wire, outcome } = await attempt(v, typed);
        expect(outcome).toBe(correct ? 'accepted' : 'passcode-wrong');
        const secrets = [
          new TextEncoder().encode(passcode.normalize('NFC')),
          await stretchPasscode(passcode, ROOM, LIGHT),
          await stretchPasscode(typed, ROOM, LIGHT),
        ];
        for (const message of wire) for (const s of secrets) if (s.length >= 4) expect(contains(message, s)).toBe(false);
        // A strict prefix of the stretched key would be just as bad: check 8-byte windows too.
        for (const message of wire) for (let i = 0; i + 8 <= 32; i += 4) expect(contains(message, secrets[1]!.subarray(i, i + 8))).toBe(false);
      }),
      { numRuns: 25 },
    );
  });

  it('the default parameters are RFC 9106 t=3, 64 MiB and work end to end', async () => {
    expect(DEFAULT_PASSCODE_PARAMS).toEqual({ opsLimit: 3, memLimitKiB: 65536 });
    const v = await PasscodeVerifier.create({ roomId: ROOM, passcode: 'blue-4711' });
    const challenge = v.challenge(JOINER);
    expect(decodeChallenge(challenge).params).toEqual(DEFAULT_PASSCODE_PARAMS);
    const response = await answerPasscodeChallenge({ roomId: ROOM, passcode: 'blue-4711', challenge, binding: BINDING });
    expect((await v.verify(JOINER, response, BINDING)).accepted).toBe(true);
  });
});

describe('lazy loading', () => {
  it('libsodium lands in a separate chunk, not in the chunk that imports the passcode module', async () => {
    const root = resolve(import.meta.dirname, '../../..');
    const result = await build({
      stdin: { contents: "export { PasscodeVerifier } from './src/room/passcode/index.ts';", resolveDir: root, loader: 'ts' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      outdir: resolve(root, '.tmp/lazy-check'),
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = Object.values(result.metafile.outputs);
    const entry = outputs.find((o) => o.entryPoint !== undefined)!;
    const sodiumIn = (o: (typeof outputs)[number]) => Object.keys(o.inputs).some((p) => p.includes('libsodium'));
    expect(sodiumIn(entry)).toBe(false);
    expect(outputs.some(sodiumIn)).toBe(true);
  });
});

describe('bounded host state', () => {
  it('tracks at most MAX_TRACKED_IDENTITIES pending challenges; the oldest is forgotten first', async () => {
    const { MAX_TRACKED_IDENTITIES } = await import('../../../src/room/passcode/verifier.js');
    const v = await host();
    const first = v.challenge('id-0');
    for (let i = 1; i <= MAX_TRACKED_IDENTITIES; i++) v.challenge(`id-${i}`);
    const response = await answerPasscodeChallenge({ roomId: ROOM, passcode: 'blue-4711', challenge: first, binding: BINDING });
    expect(await v.verify('id-0', response, BINDING)).toMatchObject({ accepted: false, error: { code: 'no-challenge' } });
    const last = v.challenge(`id-${MAX_TRACKED_IDENTITIES}`);
    const ok = await answerPasscodeChallenge({ roomId: ROOM, passcode: 'blue-4711', challenge: last, binding: BINDING });
    expect((await v.verify(`id-${MAX_TRACKED_IDENTITIES}`, ok, BINDING)).accepted).toBe(true);
  });
});
