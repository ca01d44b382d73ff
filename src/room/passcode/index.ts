/**
 * Room passcode: Argon2id stretching (lazy libsodium), the challenge/response proof run inside
 * the pairwise channel, and the host-side verifier with rate limiting.
 *
 * @module
 */
export { PasscodeError } from './errors.js';
export type { PasscodeErrorCode } from './errors.js';
export { DEFAULT_PASSCODE_PARAMS, MAX_PASSCODE_PARAMS, passcodeSalt, stretchPasscode } from './stretch.js';
export type { PasscodeParams } from './stretch.js';
export { answerPasscodeChallenge, decodeChallenge, readPasscodeResult } from './messages.js';
export type { AnswerPasscodeOptions, PasscodeChallenge, PasscodeStatus } from './messages.js';
export { PasscodeVerifier } from './verifier.js';
export type { PasscodeVerdict, PasscodeVerifierOptions, RateLimitPolicy } from './verifier.js';
