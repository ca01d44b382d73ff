/**
 * Test support for codec framing: a FrameCipher double that behaves like SFrame where framing can
 * tell (variable-length header that contains zero bytes, real AES-GCM tag over header ‖ metadata,
 * typed errors), byte builders and fast-check arbitraries for well-formed frames of each codec.
 */
import fc from 'fast-check';
import { SealError } from '../../../src/errors.js';
import type { FrameCipher } from '../../../src/media/codecs/index.js';
import { escapeEmulation } from '../../../src/media/codecs/h264-escape.js';

/** Concatenate byte arrays. */
export function concat(...parts: readonly (Uint8Array | readonly number[])[]): Uint8Array<ArrayBuffer> {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let off = 0;
  for (const a of arrays) {
    out.set(a, off);
    off += a.length;
  }
  return out;
}

export interface TestCipher extends FrameCipher {
  /** Number of seal calls so far (one per protected frame). */
  readonly sealed: number;
  /** Metadata passed to the last seal / open. */
  readonly lastSealMetadata: Uint8Array | undefined;
  readonly lastOpenMetadata: Uint8Array | undefined;
}

/**
 * An SFrame-like cipher over WebCrypto AES-GCM. Header: `00 00 L ctr(L bytes, big-endian)`, so it
 * starts with a start-code-like zero run and its length changes with the counter; the tag is
 * `tagBytes` long. Errors are SealErrors with SFrame's codes.
 */
export async function makeTestCipher(opts: { tagBytes?: 8 | 16; firstCounter?: number } = {}): Promise<TestCipher> {
  const tagBytes = opts.tagBytes ?? 16;
  const key = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt', 'decrypt']);
  let ctr = opts.firstCounter ?? 0;
  const state = { sealed: 0, lastSealMetadata: undefined as Uint8Array | undefined, lastOpenMetadata: undefined as Uint8Array | undefined };
  const nonce = (c: number): Uint8Array<ArrayBuffer> => {
    const n = new Uint8Array(12);
    new DataView(n.buffer).setUint32(8, c);
    return n;
  };
  const header = (c: number): Uint8Array => {
    const bytes: number[] = [];
    for (let v = c; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
    return Uint8Array.from([0, 0, bytes.length, ...bytes]);
  };
  const params = (c: number, aad: Uint8Array<ArrayBuffer>): AesGcmParams => ({ name: 'AES-GCM', iv: nonce(c), additionalData: aad, tagLength: tagBytes * 8 });
  return {
    get sealed() {
      return state.sealed;
    },
    get lastSealMetadata() {
      return state.lastSealMetadata;
    },
    get lastOpenMetadata() {
      return state.lastOpenMetadata;
    },
    async seal(metadata, plaintext) {
      state.sealed++;
      state.lastSealMetadata = metadata.slice();
      const c = ctr++;
      const hdr = header(c);
      const ct = new Uint8Array(await crypto.subtle.encrypt(params(c, concat(hdr, metadata)), key, plaintext.slice()));
      return concat(hdr, ct);
    },
    async open(metadata, sframe) {
      state.lastOpenMetadata = metadata.slice();
      if (sframe.length < 3 || sframe[0] !== 0 || sframe[1] !== 0) throw new SealError('malformed-header', 'bad test header');
      const len = sframe[2]!;
      if (len > 4 || sframe.length < 3 + len + tagBytes) throw new SealError('malformed-header', 'bad test header');
      let c = 0;
      for (let i = 0; i < len; i++) c = c * 256 + sframe[3 + i]!;
      const hdr = sframe.subarray(0, 3 + len);
      try {
        return new Uint8Array(await crypto.subtle.decrypt(params(c, concat(hdr, metadata)), key, sframe.slice(3 + len)));
      } catch (cause) {
        throw new SealError('auth-failed', 'test SFrame did not authenticate', { cause });
      }
    },
  };
}

// ---------- bit writing (for slice headers, Exp-Golomb) ----------

/** Bits (MSB first) of unsigned Exp-Golomb `v` (H.264 §9.1). */
export function ueBits(v: number): number[] {
  const code = v + 1;
  const len = Math.floor(Math.log2(code));
  const bits: number[] = new Array<number>(len).fill(0);
  for (let i = len; i >= 0; i--) bits.push(Math.floor(code / 2 ** i) % 2);
  return bits;
}

/** Pack bits (MSB first) into bytes, padding the last byte with `pad` bits. */
export function packBits(bits: readonly number[], pad = 0): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < out.length * 8; i++) {
    const bit = i < bits.length ? bits[i]! : pad;
    if (bit) out[i >> 3]! |= 0x80 >> (i & 7);
  }
  return out;
}

/** Make raw RBSP bytes a valid NAL body: escaped, never ending in 0x00. */
export function ebsp(rbsp: Uint8Array): Uint8Array {
  const esc = escapeEmulation(rbsp);
  return esc.length > 0 && esc[esc.length - 1] === 0 ? concat(esc, [0x80]) : esc;
}

/** A slice NAL unit: header, slice header prefix fields, then `rest` bits/bytes, escaped. */
export function sliceNal(type: 1 | 5, fields: { firstMb: number; sliceType: number; ppsId: number }, rest: Uint8Array, nri = 3): Uint8Array {
  const bits = [...ueBits(fields.firstMb), ...ueBits(fields.sliceType), ...ueBits(fields.ppsId)];
  for (const b of rest) for (let i = 7; i >= 0; i--) bits.push((b >> i) & 1);
  bits.push(1); // rbsp_stop_one_bit
  return concat([(nri << 5) | type], ebsp(packBits(bits)));
}

// ---------- arbitraries ----------

/** Bytes biased towards zeros and 0x01–0x03 and 0x80 so escaping paths are exercised. */
export const zeroHeavyBytes = (maxLength = 300): fc.Arbitrary<Uint8Array> =>
  fc
    .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1, 2, 3, 0x80) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }) }), { maxLength })
    .map((a) => Uint8Array.from(a));

export const anyBytes = (maxLength = 300): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

/** A well-formed VP8 frame (key or inter). */
export const vp8Frame = fc.record({ key: fc.boolean(), head: fc.uint8Array({ minLength: 9, maxLength: 9 }), payload: anyBytes(200) }).map(({ key, head, payload }) => {
  const b0 = key ? head[0]! & 0xfe : head[0]! | 0x01;
  const frame = key ? concat([b0, head[1]!, head[2]!, 0x9d, 0x01, 0x2a], head.subarray(3, 7), payload) : concat([b0, head[1]!, head[2]!], payload);
  return { key, frame };
});

/** One H.264 NAL unit (already in escaped NAL form). */
export const h264Nal: fc.Arbitrary<Uint8Array> = fc.oneof(
  // parameter sets, SEI, AUD: clear
  fc.record({ type: fc.constantFrom(6, 7, 8, 9), body: zeroHeavyBytes(40) }).map(({ type, body }) => concat([0x60 | type], ebsp(body))),
  // slices
  fc
    .record({
      type: fc.constantFrom<1 | 5>(1, 5),
      firstMb: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 140_000 })),
      sliceType: fc.integer({ min: 0, max: 9 }),
      ppsId: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
      rest: zeroHeavyBytes(400),
      nri: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ type, firstMb, sliceType, ppsId, rest, nri }) => sliceNal(type, { firstMb, sliceType, ppsId }, rest, nri)),
  // slice extension (4-byte header) and unknown types: encrypted after their header
  fc.record({ type: fc.constantFrom(20, 3, 0, 23), body: zeroHeavyBytes(60) }).map(({ type, body }) => concat([0x20 | type, 0x81, 0x02, 0x03], ebsp(body))),
);

/** A well-formed Annex B frame with at least one encrypted NAL unit, 3- or 4-byte start codes. */
export const h264Frame: fc.Arbitrary<{ nals: Uint8Array[]; frame: Uint8Array }> = fc
  .record({ nals: fc.array(h264Nal, { minLength: 1, maxLength: 6 }), long: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), slice: h264Nal })
  .map(({ nals, long, slice }) => {
    const all = [...nals, slice];
    const withSlice = all.some(isEncryptedNal) ? all : [...all, sliceNal(1, { firstMb: 0, sliceType: 5, ppsId: 0 }, Uint8Array.of(1, 2, 3))];
    const frame = concat(...withSlice.flatMap((n, i) => [long[i % long.length] ? [0, 0, 0, 1] : [0, 0, 1], n]));
    return { nals: withSlice, frame };
  });

function isEncryptedNal(nal: Uint8Array): boolean {
  return ![6, 7, 8, 9, 10, 11, 12, 13, 14, 15].includes(nal[0]! & 0x1f);
}

/** Annex B with 4-byte start codes, the form libwebrtc's depacketizer hands the receiver. */
export function annexB(nals: readonly Uint8Array[]): Uint8Array {
  return concat(...nals.flatMap((n) => [[0, 0, 0, 1], n]));
}

/** Minimal leb128. */
export function leb128(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

export interface ObuSpec {
  type: number;
  ext: number | undefined;
  payload: Uint8Array;
}

/** Serialise OBUs; the last one without a size field when `lastWithoutSize`. */
export function obus(specs: readonly ObuSpec[], lastWithoutSize = false): Uint8Array {
  return concat(
    ...specs.map((o, i) => {
      const sized = !(lastWithoutSize && i === specs.length - 1);
      const header = (o.type << 3) | (o.ext === undefined ? 0 : 0x04) | (sized ? 0x02 : 0);
      return concat([header], o.ext === undefined ? [] : [o.ext], sized ? leb128(o.payload.length) : [], o.payload);
    }),
  );
}

const obuSpec: fc.Arbitrary<ObuSpec> = fc.record({
  type: fc.constantFrom(1, 2, 3, 4, 5, 6, 6, 6, 7, 15),
  ext: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  payload: anyBytes(300),
}).map((o) => (o.type === 2 ? { ...o, payload: new Uint8Array(0) } : o));

/** A well-formed temporal unit with at least one encrypted OBU. */
export const av1Frame: fc.Arbitrary<{ specs: ObuSpec[]; lastWithoutSize: boolean; frame: Uint8Array }> = fc
  .record({ specs: fc.array(obuSpec, { maxLength: 6 }), frameObu: obuSpec, at: fc.nat(), lastWithoutSize: fc.boolean() })
  .map(({ specs, frameObu, at, lastWithoutSize }) => {
    const encrypted = { ...frameObu, type: 6, payload: frameObu.payload };
    const all = [...specs];
    all.splice(at % (specs.length + 1), 0, encrypted);
    return { specs: all, lastWithoutSize, frame: obus(all, lastWithoutSize) };
  });
