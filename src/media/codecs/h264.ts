/**
 * H.264 framing: per NAL unit, parameter sets and delimiters stay clear, slices keep their header
 * byte and first slice-header fields clear, and the rest of every encrypted unit carries its part
 * of the frame's one SFrame, escaped so that no start code appears inside a unit.
 *
 * ```
 * input     | SC | SPS | SC | PPS | SC | IDR hdr+prefix | slice data ………… |
 * protected | SC | SPS | SC | PPS | SC | IDR hdr+prefix | esc(SFrame) | t |
 *             SC = 00 00 00 01; esc = emulation prevention (h264-escape.ts);
 *             t = optional trailer byte 0x80
 * ```
 *
 * With several encrypted units the SFrame is cut at the plaintext boundaries (layout.ts): each unit
 * but the last keeps its length before escaping, the last also carries the SFrame header and tag.
 *
 * A NAL unit must not end in `0x00` (Annex B would take the zero for trailing_zero_8bits and
 * drop it). So when the escaped segment ends in `0x00` — or in `0x80`, to keep the rule
 * reversible — one byte `0x80` is appended, and the receiver removes a final `0x80`.
 *
 * Metadata: the clear bytes of every NAL unit in order, and each encrypted segment's length
 * (layout.ts); start codes and trailing zeros are not authenticated, because RTP depacketizers
 * rewrite them (libwebrtc's rebuilds every unit with a 4-byte start code).
 *
 * @module
 */
import { malformed } from './errors.js';
import { escapePlan, unescapeEmulation, writeEscaped } from './h264-escape.js';
import { clearLength, isIdr, splitAnnexB } from './h264-nal.js';
import { openUnits, sealUnits, type Unit } from './layout.js';
import type { FrameCipher } from './types.js';

const START_CODE = Uint8Array.of(0, 0, 0, 1);
const TRAILER = 0x80;

/** Zero bytes (0–2) that end `bytes`, the escaping state carried into what follows. */
function trailingZeros(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n === 0 || bytes[n - 1] !== 0) return 0;
  return n >= 2 && bytes[n - 2] === 0 ? 2 : 1;
}

function needsTrailer(piece: Uint8Array): boolean {
  const last = piece[piece.length - 1];
  return last === 0 || last === TRAILER;
}

/**
 * Protect one H.264 Annex B frame.
 *
 * @throws FramingError `'malformed-frame'` (no leading start code, empty unit, bad slice header),
 *   `'unsupported-frame'` (no unit to encrypt); whatever `cipher.seal` throws.
 * @example
 * ```ts
 * const wire = await protectH264(annexBFrame, cipher);
 * ```
 */
export async function protectH264(frame: Uint8Array, cipher: FrameCipher): Promise<Uint8Array> {
  const units: Unit[] = [];
  for (const span of splitAnnexB(frame)) {
    const nal = frame.subarray(span.start, span.end);
    const { clear, encrypted } = clearLength(nal);
    units.push({ clear: nal.subarray(0, clear), body: encrypted ? nal.subarray(clear) : undefined });
  }
  const pieces = await sealUnits('h264', units, cipher);

  let size = 0;
  let k = 0;
  const plans: number[][] = [];
  for (const u of units) {
    size += START_CODE.length + u.clear.length;
    if (u.body === undefined) continue;
    const piece = pieces[k++]!;
    const plan = escapePlan(piece, trailingZeros(u.clear));
    plans.push(plan);
    size += piece.length + plan.length + (needsTrailer(piece) ? 1 : 0);
  }

  const out = new Uint8Array(size);
  let off = 0;
  k = 0;
  for (const u of units) {
    out.set(START_CODE, off);
    out.set(u.clear, off + START_CODE.length);
    off += START_CODE.length + u.clear.length;
    if (u.body === undefined) continue;
    const piece = pieces[k]!;
    off = writeEscaped(piece, plans[k]!, out, off);
    if (needsTrailer(piece)) out[off++] = TRAILER;
    k++;
  }
  return out;
}

/**
 * Undo {@link protectH264}; output uses 4-byte start codes.
 *
 * @throws FramingError `'malformed-frame'` (structure, escaping, trailer, no encrypted unit); the
 *   cipher's SFrameError on any decryption failure.
 * @example
 * ```ts
 * const annexBFrame = await unprotectH264(wire, cipher);
 * ```
 */
export async function unprotectH264(data: Uint8Array, cipher: FrameCipher): Promise<Uint8Array> {
  const units: Unit[] = [];
  // One scan finds the NAL units and every place unescaping has anything to do: units without
  // such a place are used as they are, without a second scan.
  const escapes: number[] = [];
  let e = 0;
  for (const span of splitAnnexB(data, escapes)) {
    const nal = data.subarray(span.start, span.end);
    const { clear, encrypted } = clearLength(nal);
    const prefix = nal.subarray(0, clear);
    if (!encrypted) {
      units.push({ clear: prefix, body: undefined });
      continue;
    }
    let wire = nal.subarray(clear);
    if (wire.length > 0 && wire[wire.length - 1] === TRAILER) {
      wire = wire.subarray(0, wire.length - 1);
      if (!needsTrailer(wire)) throw malformed('H.264 trailer byte out of place');
    }
    // a pattern matters here when its third byte lies inside the encrypted part
    const wireStart = span.start + clear;
    while (e < escapes.length && escapes[e]! + 2 < wireStart) e++;
    const touched = e < escapes.length && escapes[e]! + 2 < wireStart + wire.length;
    units.push({ clear: prefix, body: touched ? unescapeEmulation(wire, trailingZeros(prefix)) : wire });
  }
  const parts = await openUnits('h264', units, cipher);

  let size = 0;
  for (const u of units) size += START_CODE.length + u.clear.length;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let off = 0;
  let k = 0;
  for (const u of units) {
    out.set(START_CODE, off);
    out.set(u.clear, off + START_CODE.length);
    off += START_CODE.length + u.clear.length;
    if (u.body === undefined) continue;
    const part = parts[k++]!;
    out.set(part, off);
    off += part.length;
  }
  return out;
}

/**
 * True when the frame holds an IDR slice (nal_unit_type 5).
 *
 * @throws FramingError `'malformed-frame'` when the frame is not Annex B.
 * @example
 * ```ts
 * h264IsKeyFrame(Uint8Array.of(0, 0, 0, 1, 0x65, 0x88, 0x84)); // true
 * ```
 */
export function h264IsKeyFrame(frame: Uint8Array): boolean {
  return splitAnnexB(frame).some((s) => isIdr(frame.subarray(s.start, s.end)));
}
