/** Feature detection of the encoded-transform API (src/platform), with fake global scopes. */
import { describe, expect, it } from 'vitest';
import { availableEncodedTransforms, detectEncodedTransform, detectPlatform } from '../../src/platform/index.js';

class LegacySender {
  createEncodedStreams(): void {}
}
class PlainSender {}
class FakeTransform {}
class FakeWorker {}

describe('detectEncodedTransform', () => {
  it('prefers RTCRtpScriptTransform when it exists', () => {
    expect(detectEncodedTransform({ RTCRtpScriptTransform: FakeTransform, RTCRtpSender: LegacySender })).toBe('script-transform');
  });
  it("falls back to Chromium's createEncodedStreams", () => {
    expect(detectEncodedTransform({ RTCRtpSender: LegacySender })).toBe('encoded-streams');
  });
  it('reports nothing when neither exists (E2EE impossible)', () => {
    expect(detectEncodedTransform({ RTCRtpSender: PlainSender })).toBeUndefined();
    expect(detectEncodedTransform({})).toBeUndefined();
    expect(detectEncodedTransform({ RTCRtpScriptTransform: {} })).toBeUndefined();
  });
  it('lists every available API, preferred first', () => {
    expect(availableEncodedTransforms({ RTCRtpScriptTransform: FakeTransform, RTCRtpSender: LegacySender })).toEqual(['script-transform', 'encoded-streams']);
    expect(availableEncodedTransforms({ RTCRtpSender: PlainSender })).toEqual([]);
  });
  it('Node itself has no encoded transforms', () => {
    expect(detectPlatform()).toEqual({ encodedTransform: undefined, worker: false });
  });
  it('sees Worker availability', () => {
    expect(detectPlatform({ Worker: FakeWorker, RTCRtpScriptTransform: FakeTransform })).toEqual({ encodedTransform: 'script-transform', worker: true });
  });
});
