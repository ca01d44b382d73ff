/** The wire envelope: round trips (property-based) and every malformation is a typed error. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientFrame, decodeRelayFrame, encodeClientFrame, encodeRelayFrame, EnvelopeError, ENVELOPE_VERSION, type ClientFrame, type RelayFrame,
} from '../../src/signaling/envelope.js';

const id = fc.string({ minLength: 1, maxLength: 40 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (n?: number) => (n === undefined ? fc.uint8Array({ maxLength: 300 }) : fc.uint8Array({ minLength: n, maxLength: n }));

const clientFrame: fc.Arbitrary<ClientFrame> = fc.oneof(
  fc.record({ t: fc.constant('join' as const), room: id, peer: fc.oneof(fc.constant(''), id), token: bytes(), resumeKey: bytes(16), instance: bytes(8), lastDeliverySeq: u32 }),
  fc.record({ t: fc.constant('send' as const), seq: u32, ack: u32, to: id, payload: bytes() }),
  fc.record({ t: fc.constant('ack' as const), seq: u32 }),
  fc.constant({ t: 'ping' as const }),
  fc.constant({ t: 'leave' as const }),
);
const relayFrame: fc.Arbitrary<RelayFrame> = fc.oneof(
  fc.record({ t: fc.constant('welcome' as const), peer: id, resumed: fc.boolean(), ackedSendSeq: u32, maxPayloadBytes: u32, peers: fc.array(id, { maxLength: 5 }) }),
  fc.record({ t: fc.constant('deliver' as const), seq: u32, ackedSendSeq: u32, from: id, srcInstance: bytes(8), srcSeq: u32, payload: bytes() }),
  fc.record({ t: fc.constant('ack' as const), seq: u32 }),
  fc.record({ t: fc.constant('joined' as const), seq: u32, peer: id }),
  fc.record({ t: fc.constant('left' as const), seq: u32, peer: id }),
  fc.record({ t: fc.constant('error' as const), code: id, fatal: fc.boolean(), seq: u32 }),
  fc.constant({ t: 'pong' as const }),
  fc.record({ t: fc.constant('goaway' as const), reason: id }),
);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof EnvelopeError ? e.code : `unexpected ${String(e)}`;
  }
  return undefined;
}

describe('envelope', () => {
  it('round-trips every client frame', () => {
    fc.assert(fc.property(clientFrame, (f) => {
      expect(decodeClientFrame(encodeClientFrame(f))).toEqual(f);
    }));
  });
  it('round-trips every relay frame', () => {
    fc.assert(fc.property(relayFrame, (f) => {
      expect(decodeRelayFrame(encodeRelayFrame(f))).toEqual(f);
    }));
  });
  it('rejects every strict prefix of a fixed-size frame as malformed', () => {
    fc.assert(fc.property(clientFrame.filter((f) => f.t !== 'send'), (f) => {
      const b = encodeClientFrame(f);
      for (let n = 0; n < b.length; n++) expect(code(() => decodeClientFrame(b.subarray(0, n)))).toBe('malformed-envelope');
    }));
  });
  it('rejects trailing bytes, a wrong version, unknown types, non-UTF-8 ids and empty targets', () => {
    const ack = encodeClientFrame({ t: 'ack', seq: 1 });
    expect(code(() => decodeClientFrame(Uint8Array.of(...ack, 0)))).toBe('malformed-envelope');
    const v = ENVELOPE_VERSION;
    for (const other of [0, 1, v + 1]) expect(code(() => decodeClientFrame(Uint8Array.of(other, ...ack.subarray(1))))).toBe('malformed-envelope');
    expect(code(() => decodeClientFrame(Uint8Array.of(v, 0x7f)))).toBe('malformed-envelope');
    expect(code(() => decodeRelayFrame(Uint8Array.of(v, 0x02)))).toBe('malformed-envelope');
    expect(code(() => decodeClientFrame(Uint8Array.of(v, 0x02, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0xff)))).toBe('malformed-envelope');
    expect(code(() => decodeClientFrame(Uint8Array.of(v, 0x02, 0, 0, 0, 1, 0, 0, 0, 0, 0)))).toBe('malformed-envelope');
    // A version-1 SEND (no ack field) is refused, not misread.
    expect(code(() => decodeClientFrame(Uint8Array.of(1, 0x02, 0, 0, 0, 1, 1, 0x78, 0x61)))).toBe('malformed-envelope');
    expect(code(() => encodeClientFrame({ t: 'send', seq: 1, to: 'x'.repeat(256), payload: new Uint8Array() }))).toBe('malformed-envelope');
  });
  it('never throws anything but EnvelopeError on random input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const c1 = code(() => decodeClientFrame(b));
      const c2 = code(() => decodeRelayFrame(b));
      expect([undefined, 'malformed-envelope']).toContain(c1);
      expect([undefined, 'malformed-envelope']).toContain(c2);
    }), { numRuns: 2000 });
  });
});
