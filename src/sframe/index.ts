/**
 * `sealrtc/sframe` — SFrame (RFC 9605) frame encryption: bytes in, bytes out.
 *
 * Pure TypeScript over `globalThis.crypto.subtle`; runs unchanged in Node 20, browsers and
 * workers. {@link SFrameContext} is what a media pipeline uses; {@link seal}/{@link open} are the
 * stateless forms; the header codec and key schedule are exported for tools and tests.
 *
 * @packageDocumentation
 */
export { CipherSuite, DEFAULT_CIPHER_SUITE, suiteParams } from './suites.js';
export type { CipherSuiteId, CipherSuiteName, SuiteParams } from './suites.js';
export { SFrameError } from './errors.js';
export type { SFrameErrorCode } from './errors.js';
export { decodeHeader, encodeHeader, headerSize } from './header.js';
export type { SFrameHeader } from './header.js';
export { deriveKeyMaterial } from './keyschedule.js';
export type { KeyMaterial } from './keyschedule.js';
export { open, seal } from './oneshot.js';
export type { OpenOptions, OpenResult, SealOptions } from './oneshot.js';
export { SFrameContext } from './context.js';
export type { SFrameContextOptions } from './context.js';
