/**
 * The signal envelope carried inside the pairwise channel: round trip, strict validation, and
 * no input (however hostile) escapes as anything but a `'bad-signal'` RoomError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RoomError } from '../../src/room/errors.js';
import { isInitiator } from '../../src/room/mesh.js';
import { decodeSignal, encodeSignal, type PeerSignal } from '../../src/room/peer.js';

const signal: fc.Arbitrary<PeerSignal> = fc.oneof(
  fc.record({ type: fc.constantFrom('offer' as const, 'answer' as const), sdp: fc.string({ maxLength: 2000 }) }),
  fc.record({
    type: fc.constant('candidate' as const),
    candidate: fc.record({ candidate: fc.string(), sdpMid: fc.option(fc.string(), { nil: null }), sdpMLineIndex: fc.option(fc.nat(1023), { nil: null }) }),
  }),
  fc.constant({ type: 'renegotiate' as const, renegotiate: true as const }),
  fc.record({ type: fc.constant('transceiverRequest' as const), transceiverRequest: fc.record({ kind: fc.constantFrom('audio' as const, 'video' as const) }) }),
);

const asBadSignal = (bytes: Uint8Array): void => {
  try {
    decodeSignal(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(RoomError);
    expect((e as RoomError).code).toBe('bad-signal');
  }
};

describe('signal envelope', () => {
  it('round-trips every valid signal', () => {
    fc.assert(
      fc.property(signal, (s) => {
        expect(decodeSignal(encodeSignal(s))).toEqual(s);
      }),
    );
  });

  it('random bytes and random JSON only ever fail as bad-signal', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), asBadSignal));
    fc.assert(fc.property(fc.jsonValue(), (v) => asBadSignal(new TextEncoder().encode(JSON.stringify({ v: 1, k: 'rtc', s: v })))));
  });

  it('rejects malformed fields and drops unknown ones', () => {
    const enc = (s: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify({ v: 1, k: 'rtc', s }));
    for (const bad of [
      { type: 'offer' }, // no payload
      { type: 'evil', sdp: 'x' },
      { type: 'candidate', candidate: { candidate: 5 } },
      { type: 'candidate', candidate: { candidate: 'c', sdpMLineIndex: -1 } },
      { renegotiate: 'yes' },
      { transceiverRequest: { kind: 'data' } },
      { type: 'candidate', sdp: 'v=0' }, // sdp without a description type
    ]) {
      expect(() => decodeSignal(enc(bad))).toThrow(expect.objectContaining({ code: 'bad-signal' }));
    }
    expect(() => decodeSignal(new TextEncoder().encode('{"v":2,"k":"rtc","s":{}}'))).toThrow(expect.objectContaining({ code: 'bad-signal' }));
    expect(() => decodeSignal(new Uint8Array(256 * 1024 + 1))).toThrow(expect.objectContaining({ code: 'bad-signal' }));
    expect(decodeSignal(enc({ type: 'offer', sdp: 'v=0', __proto__x: 1, extra: { a: 1 } }))).toEqual({ type: 'offer', sdp: 'v=0' });
    expect(decodeSignal(new TextEncoder().encode('{"v":1,"k":"chat","s":{}}'))).toBeUndefined();
  });

  it('exactly one side of every pair initiates', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      fc.pre(a !== b);
      expect(isInitiator(a, b)).toBe(!isInitiator(b, a));
    }));
  });
});
