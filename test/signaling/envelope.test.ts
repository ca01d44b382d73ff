/** The wire envelope: round trips (property-based) and every malformation is a typed error. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientFrame, decodeRelayFrame, encodeClientFrame, encodeDeliver, encodeRelayFrame, EnvelopeError, ENVELOPE_VERSION, type ClientFrame, type RelayFrame,
} from '../../src/signaling/envelope.js';

// ASCII ids (the decoder's fast path) and any Unicode (its fallback), within str8's 255 bytes.
const id = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => new TextEncoder().encode(s).length <= 255),
);
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
  it('decodes ids that mix ASCII and other UTF-8, at and past the fast-path length', () => {
    for (const peer of ['a', 'abcé', 'é', 'x'.repeat(64), 'x'.repeat(65), `${'x'.repeat(63)}é`, 'ü'.repeat(127), '👩‍⚕️ dr']) {
      expect(decodeRelayFrame(encodeRelayFrame({ t: 'joined', seq: 1, peer }))).toEqual({ t: 'joined', seq: 1, peer });
    }
    // A high byte that is not UTF-8 after ASCII ones is still refused.
    expect(code(() => decodeRelayFrame(Uint8Array.of(ENVELOPE_VERSION, 0x84, 0, 0, 0, 1, 3, 0x61, 0x62, 0xff)))).toBe('malformed-envelope');
  });
  it('cuts frames from shared slabs without any two overlapping or one changing later', () => {
    const sizes = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3000);
    const frames = sizes.map((n, i) => encodeClientFrame({ t: 'send', seq: i + 1, to: `p${i}`, payload: new Uint8Array(n).fill(i & 0xff) }));
    const copies = frames.map((f) => f.slice());
    // Later frames were written after every earlier one: if any overlapped, an earlier one changed.
    const changed = frames.filter((f, i) => f.some((b, k) => b !== copies[i]?.[k]));
    expect(changed.length).toBe(0);
    const small = frames.filter((f) => f.length <= 2048);
    expect(new Set(small.map((f) => f.buffer)).size).toBeLessThan(small.length / 10); // shared
    for (const f of frames.filter((f) => f.length > 2048)) expect(f.buffer.byteLength).toBe(f.length); // own buffer
    frames.forEach((f, i) => {
      const d = decodeClientFrame(f);
      expect(d).toMatchObject({ t: 'send', seq: i + 1, to: `p${i}` });
    });
  });
  it('encodes a DELIVER from parts exactly as from a frame object, and checks its sizes', () => {
    fc.assert(fc.property(id, u32, u32, bytes(8), u32, bytes(), (from, seq, acked, inst, srcSeq, payload) => {
      const a = encodeDeliver(seq, acked, new TextEncoder().encode(from), inst, srcSeq, payload);
      expect(a).toEqual(encodeRelayFrame({ t: 'deliver', seq, ackedSendSeq: acked, from, srcInstance: inst, srcSeq, payload }));
    }));
    expect(code(() => encodeDeliver(1, 0, new Uint8Array(), new Uint8Array(8), 1, new Uint8Array()))).toBe('malformed-envelope');
    expect(code(() => encodeDeliver(1, 0, Uint8Array.of(0x61), new Uint8Array(7), 1, new Uint8Array()))).toBe('malformed-envelope');
  });
});
