/**
 * The one place in sealrtc that probes browser globals.
 *
 * Everything that differs between browsers is decided here, once, by feature detection (never by
 * user-agent sniffing), and the rest of the SDK asks this module. Today that is which WebRTC
 * encoded-transform API exists and whether a dedicated `Worker` can be created.
 *
 * @module
 */

/**
 * The encoded-transform API sealrtc drives.
 *
 * - `'script-transform'`: the standard `RTCRtpScriptTransform` (W3C WebRTC Encoded Transform;
 *   Chromium 156, Firefox, Safari). Frames go to the worker's `rtctransform` event.
 * - `'encoded-streams'`: Chromium's older `createEncodedStreams()` on senders/receivers; needs
 *   `new RTCPeerConnection({ encodedInsertableStreams: true })` and transfers the streams.
 */
export type EncodedTransformApi = 'script-transform' | 'encoded-streams';

/** What the running environment offers for end-to-end encrypted media. */
export interface PlatformSupport {
  /** The encoded-transform API to use, or `undefined` when none exists (E2EE impossible). */
  readonly encodedTransform: EncodedTransformApi | undefined;
  /** Whether `new Worker(...)` is available. */
  readonly worker: boolean;
}

/** The globals this module reads; a parameter so tests can pass a fake scope. */
export type PlatformScope = Partial<Record<'RTCRtpScriptTransform' | 'RTCRtpSender' | 'Worker', unknown>>;

function hasLegacyEncodedStreams(sender: unknown): boolean {
  if (typeof sender !== 'function') return false;
  const proto: unknown = (sender as { prototype?: unknown }).prototype;
  return typeof proto === 'object' && proto !== null && 'createEncodedStreams' in proto;
}

/**
 * Picks the encoded-transform API: `RTCRtpScriptTransform` where it exists, else Chromium's
 * `createEncodedStreams`, else `undefined`.
 *
 * @param scope - the global scope to probe (defaults to `globalThis`)
 * @returns the API to use, or `undefined` when the browser cannot transform encoded frames
 * @throws never
 * @example
 * ```ts
 * if (!detectEncodedTransform()) showUnsupportedBrowserHint();
 * ```
 */
export function detectEncodedTransform(scope: PlatformScope = globalThis as PlatformScope): EncodedTransformApi | undefined {
  return availableEncodedTransforms(scope)[0];
}

/**
 * Every encoded-transform API the platform offers, preferred first.
 *
 * @param scope - the global scope to probe (defaults to `globalThis`)
 * @throws never
 * @example
 * ```ts
 * availableEncodedTransforms(); // Chromium 156: ['script-transform', 'encoded-streams']
 * ```
 */
export function availableEncodedTransforms(scope: PlatformScope = globalThis as PlatformScope): EncodedTransformApi[] {
  const out: EncodedTransformApi[] = [];
  if (typeof scope.RTCRtpScriptTransform === 'function') out.push('script-transform');
  if (hasLegacyEncodedStreams(scope.RTCRtpSender)) out.push('encoded-streams');
  return out;
}

/**
 * Everything sealrtc needs to know about the platform, in one object.
 *
 * @param scope - the global scope to probe (defaults to `globalThis`)
 * @throws never
 * @example
 * ```ts
 * const { encodedTransform, worker } = detectPlatform();
 * const canEncrypt = encodedTransform !== undefined && worker;
 * ```
 */
export function detectPlatform(scope: PlatformScope = globalThis as PlatformScope): PlatformSupport {
  return { encodedTransform: detectEncodedTransform(scope), worker: typeof scope.Worker === 'function' };
}
