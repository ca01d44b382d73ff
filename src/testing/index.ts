/**
 * `sealrtc/testing` — test doubles for apps and for sealrtc's own tests. Never needed in
 * production code.
 *
 * @packageDocumentation
 */
export { MemorySignalingHub, type Envelope, type Interceptor, type MemorySignaling } from './hub.js';
