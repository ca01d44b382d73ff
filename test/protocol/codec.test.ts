import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  decodeChannel,
  decodeWire,
  encodeChannel,
  encodeWire,
  LIMITS,
  ProtocolError,
  type ChannelMessage,
  type WireMessage,
} from '../../src/protocol/index.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const id = fc.string({ minLength: 1, maxLength: LIMITS.peerId });
const room = fc.string({ minLength: 1, maxLength: 64 });

const wire: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.record({ v: fc.constant(1 as const), t: fc.constant('hello' as const), room, id, idk: bytes(32), commit: bytes(32) }),
  fc.record({
    v: fc.constant(1 as const), t: fc.constant('auth' as const), room, id, to: id, idk: bytes(32), eph: bytes(32),
    name: fc.string({ maxLength: LIMITS.displayName }), att: fc.oneof(bytes(0), bytes(64)), sig: bytes(64),
  }),
  fc.record({
    v: fc.constant(1 as const), t: fc.constant('msg' as const), room, id, to: id,
    ctr: fc.maxSafeNat(), ct: fc.uint8Array({ minLength: 16, maxLength: 2000 }),
  }),
);
const channel: fc.Arbitrary<ChannelMessage> = fc.oneof(
  fc.record({ t: fc.constant('key' as const), kid: fc.nat({ max: 0xffff_ffff }), key: bytes(32) }),
  fc.record({ t: fc.constant('ack' as const), kid: fc.nat({ max: 0xffff_ffff }) }),
  fc.record({ t: fc.constant('app' as const), data: fc.uint8Array({ maxLength: 3000 }) }),
  fc.record({ t: fc.constant('bye' as const) }),
);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e.code;
  }
}

const raw = new Packr({ useRecords: false, mapsAsObjects: true });

describe('control message codec', () => {
  it('round-trips every wire message', () => {
    fc.assert(fc.property(wire, (m) => {
      const b = encodeWire(m);
      expect(decodeWire(b)).toEqual({ ...m });
      expect(decodeWire(b).t).toBe(m.t);
    }));
  });

  it('round-trips every channel message', () => {
    fc.assert(fc.property(channel, (m) => {
      expect(decodeChannel(encodeChannel(m))).toEqual({ ...m });
    }));
  });

  it('rejects random bytes with a ProtocolError, never another exception', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      expect(['malformed-message', 'unsupported-version', 'message-too-large', undefined]).toContain(codeOf(() => decodeWire(b)));
      expect(['malformed-message', 'message-too-large', undefined]).toContain(codeOf(() => decodeChannel(b)));
    }), { numRuns: 2000 });
  });

  it('rejects single-byte corruptions of valid messages or decodes them to a valid message', () => {
    fc.assert(fc.property(wire, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, pos, x) => {
      const b = encodeWire(m);
      const i = pos % b.length;
      b[i] = b[i]! ^ x;
      const code = codeOf(() => decodeWire(b));
      if (code === undefined) expect(Array.from(encodeWire(decodeWire(b)))).toEqual(Array.from(b));
      else expect(['malformed-message', 'unsupported-version']).toContain(code);
    }));
  });

  const hello = { v: 1, t: 'hello', room: 'r', id: 'a', idk: new Uint8Array(32), commit: new Uint8Array(32) };

  it('names an unknown version unsupported', () => {
    expect(codeOf(() => decodeWire(raw.pack({ ...hello, v: 2 })))).toBe('unsupported-version');
    expect(codeOf(() => decodeWire(raw.pack({ ...hello, v: '1' })))).toBe('malformed-message');
  });

  it('rejects extra, missing and mistyped fields, trailing bytes and oversize input', () => {
    expect(codeOf(() => decodeWire(raw.pack(hello)))).toBeUndefined();
    expect(codeOf(() => decodeWire(raw.pack({ ...hello, extra: 1 })))).toBe('malformed-message');
    const { commit: _c, ...missing } = hello;
    expect(codeOf(() => decodeWire(raw.pack(missing)))).toBe('malformed-message');
    expect(codeOf(() => decodeWire(raw.pack({ ...hello, idk: new Uint8Array(31) })))).toBe('malformed-message');
    expect(codeOf(() => decodeWire(raw.pack({ ...hello, id: '' })))).toBe('malformed-message');
    expect(codeOf(() => decodeWire(raw.pack({ ...hello, id: 'x'.repeat(LIMITS.peerId + 1) })))).toBe('malformed-message');
    expect(codeOf(() => decodeWire(raw.pack({ ...hello, t: 'nope' })))).toBe('malformed-message');
    expect(codeOf(() => decodeWire(raw.pack({ ...hello, t: 'toString' })))).toBe('malformed-message');
    expect(codeOf(() => decodeWire(raw.pack([1, 2])))).toBe('malformed-message');
    const ok = encodeWire(hello as WireMessage);
    expect(codeOf(() => decodeWire(new Uint8Array([...ok, 0])))).toBe('malformed-message');
    expect(codeOf(() => decodeWire(new Uint8Array(LIMITS.wireBytes + 1)))).toBe('message-too-large');
    expect(codeOf(() => decodeChannel(raw.pack({ t: 'ack', kid: -1 })))).toBe('malformed-message');
    expect(codeOf(() => decodeChannel(raw.pack({ t: 'ack', kid: 1.5 })))).toBe('malformed-message');
    expect(codeOf(() => decodeChannel(raw.pack({ t: 'app', data: new Uint8Array(LIMITS.appBytes + 1) })))).toBe('malformed-message');
  });

  it('rejects a valid message re-encoded with another key order (one message, one encoding)', () => {
    const { v, t, ...rest } = hello;
    expect(codeOf(() => decodeWire(raw.pack({ ...rest, v, t })))).toBe('malformed-message');
  });

  it('refuses to encode an invalid message', () => {
    expect(codeOf(() => encodeWire({ ...hello, idk: new Uint8Array(3) } as WireMessage))).toBe('malformed-message');
    expect(codeOf(() => encodeChannel({ t: 'app', data: new Uint8Array(LIMITS.appBytes + 1) }))).toBe('malformed-message');
  });

  it('returns plain Uint8Array copies, not views into the input', () => {
    const b = encodeChannel({ t: 'key', kid: 7, key: new Uint8Array(32).fill(9) });
    const m = decodeChannel(b) as { key: Uint8Array };
    expect(Object.getPrototypeOf(m.key)).toBe(Uint8Array.prototype);
    b.fill(0);
    expect(m.key[0]).toBe(9);
  });
});
