/**
 * How framing turns clear bytes into SFrame metadata, and how one SFrame is spread over the
 * encrypted parts of a frame's units (H.264 NAL units, AV1 OBUs) and gathered back.
 *
 * Every codec seals exactly one SFrame per frame, so a frame costs one counter, one header and
 * one tag however many units it has, and the metadata binds the whole frame's clear structure.
 *
 * Metadata (the SFrame AAD after the SFrame header, RFC 9605 §4.4.3):
 *
 * ```
 *  0         1          2
 * +---------+----------+--------------------------------------------+
 * | version | codec id | codec part                                 |
 * |  0x01   | 1..5     | VP8: the clear frame-tag bytes             |
 * +---------+----------+ VP9, Opus: nothing                         |
 *                      | H.264, AV1: one entry per unit, in order:  |
 *                      +--------------------------------------------+
 *
 * unit entry:
 * +------+-------------------+--------------+---------------------------+
 * | kind | clear length (BE) | clear bytes  | segment length (BE)       |
 * | u8   | u32               | …            | u32, only when kind = 1   |
 * +------+-------------------+--------------+---------------------------+
 * kind 0 = unit sent whole in the clear, 1 = encrypted segment that is not the last,
 * 2 = the last encrypted segment (its length is whatever remains of the SFrame)
 * ```
 *
 * Binding each segment's length keeps anyone on the path from moving ciphertext bytes from one
 * unit into another: the concatenated SFrame would still authenticate, but the plaintext would be
 * cut at different places.
 *
 * The SFrame `S = header ‖ ciphertext ‖ tag` is cut at the plaintext boundaries: segment i (all
 * but the last) carries exactly as many bytes of `S` as its plaintext had, the last carries the
 * rest, so the SFrame overhead (header and tag) lands in the last segment's length and the
 * receiver needs to know neither the header size nor the tag size:
 *
 * ```
 * plaintext   | p1      | p2          | p3        |
 * S           | hdr ct………………………………………………… tag |
 * segments    | S[0,p1) | S[p1,p1+p2) | rest      |   (rest = p3 + header + tag bytes)
 * ```
 *
 * @module
 */
import { malformed, FramingError } from './errors.js';
import type { FrameCipher, MediaCodec } from './types.js';

/** Version of this framing; a peer with another version fails authentication, never misparses. */
export const FRAMING_VERSION = 1;

const CODEC_ID: Readonly<Record<MediaCodec, number>> = { vp8: 1, vp9: 2, h264: 3, av1: 4, opus: 5 };

/** One unit of a frame: its clear bytes and, when encrypted, its segment (plaintext or wire part of S). */
export interface Unit {
  readonly clear: Uint8Array;
  /** `undefined` for a unit sent whole in the clear. */
  readonly body: Uint8Array | undefined;
}

/** Metadata for codecs with one contiguous clear prefix (VP8) or none (VP9, Opus). */
export function prefixMetadata(codec: MediaCodec, clear?: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + (clear?.length ?? 0));
  out[0] = FRAMING_VERSION;
  out[1] = CODEC_ID[codec];
  if (clear) out.set(clear, 2);
  return out;
}

/** Metadata for unit-based codecs (H.264, AV1); see the module diagram. */
export function unitMetadata(codec: MediaCodec, units: readonly Unit[], lastEncrypted: number): Uint8Array {
  let size = 2;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    size += 5 + u.clear.length + (u.body !== undefined && i !== lastEncrypted ? 4 : 0);
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = FRAMING_VERSION;
  out[1] = CODEC_ID[codec];
  let off = 2;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const kind = u.body === undefined ? 0 : i === lastEncrypted ? 2 : 1;
    out[off] = kind;
    view.setUint32(off + 1, u.clear.length);
    out.set(u.clear, off + 5);
    off += 5 + u.clear.length;
    if (kind === 1) {
      view.setUint32(off, u.body!.length);
      off += 4;
    }
  }
  return out;
}

function lastEncryptedIndex(units: readonly Unit[]): number {
  for (let i = units.length - 1; i >= 0; i--) if (units[i]!.body !== undefined) return i;
  return -1;
}

/** Concatenate the bodies of encrypted units (no copy when there is only one). */
function gather(units: readonly Unit[], total: number, count: number): Uint8Array {
  if (count === 1) {
    for (const u of units) if (u.body !== undefined) return u.body;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const u of units) {
    if (u.body === undefined) continue;
    out.set(u.body, off);
    off += u.body.length;
  }
  return out;
}

/**
 * Seal the encrypted units' plaintext bodies as one SFrame and cut it back into one wire segment
 * per encrypted unit (views into the SFrame, in unit order).
 *
 * @throws FramingError `'unsupported-frame'` when no unit is encrypted (nothing could carry the SFrame);
 *   whatever `cipher.seal` throws.
 * @example
 * ```ts
 * const [a, b] = await sealUnits('h264', [{ clear: hdr1, body: data1 }, { clear: hdr2, body: data2 }], cipher);
 * // a.length === data1.length; b holds data2's share plus the SFrame header and tag
 * ```
 */
export async function sealUnits(codec: MediaCodec, units: readonly Unit[], cipher: FrameCipher): Promise<Uint8Array[]> {
  const last = lastEncryptedIndex(units);
  if (last < 0) throw new FramingError('unsupported-frame', `${codec} frame has no unit to encrypt`);
  let total = 0;
  let count = 0;
  for (const u of units) {
    if (u.body === undefined) continue;
    total += u.body.length;
    count++;
  }
  const metadata = unitMetadata(codec, units, last);
  const sframe = await cipher.seal(metadata, gather(units, total, count));
  const pieces: Uint8Array[] = [];
  let off = 0;
  for (let i = 0; i < units.length; i++) {
    const body = units[i]!.body;
    if (body === undefined) continue;
    const end = i === last ? sframe.length : off + body.length;
    pieces.push(sframe.subarray(off, end));
    off = end;
  }
  return pieces;
}

/**
 * Gather the encrypted units' wire segments into one SFrame, open it, and cut the plaintext at
 * the same boundaries. Returns one plaintext view per encrypted unit, in unit order.
 *
 * @throws FramingError `'malformed-frame'` when no unit is encrypted or the plaintext is shorter than
 *   the fixed-length segments; whatever `cipher.open` throws (an `SFrameError`) on any decryption failure.
 * @example
 * ```ts
 * const [data1, data2] = await openUnits('h264', [{ clear: hdr1, body: a }, { clear: hdr2, body: b }], cipher);
 * ```
 */
export async function openUnits(codec: MediaCodec, units: readonly Unit[], cipher: FrameCipher): Promise<Uint8Array[]> {
  const last = lastEncryptedIndex(units);
  if (last < 0) throw malformed(`${codec} frame has no encrypted unit`);
  let total = 0;
  let count = 0;
  let fixed = 0;
  for (let i = 0; i < units.length; i++) {
    const body = units[i]!.body;
    if (body === undefined) continue;
    total += body.length;
    count++;
    if (i !== last) fixed += body.length;
  }
  const metadata = unitMetadata(codec, units, last);
  const plaintext = await cipher.open(metadata, gather(units, total, count));
  if (plaintext.length < fixed) throw malformed(`${codec} plaintext shorter than its segments`);
  const parts: Uint8Array[] = [];
  let off = 0;
  for (let i = 0; i < units.length; i++) {
    const body = units[i]!.body;
    if (body === undefined) continue;
    const end = i === last ? plaintext.length : off + body.length;
    parts.push(plaintext.subarray(off, end));
    off = end;
  }
  return parts;
}
