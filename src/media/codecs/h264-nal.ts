/**
 * H.264 Annex B parsing for framing: split a frame into NAL units and decide, per NAL unit, how
 * many leading bytes stay clear.
 *
 * ```
 * Annex B byte stream (ITU-T H.264 Annex B)
 * | 00 00 00 01 | NAL unit | 00 00 01 | NAL unit | …
 *
 * NAL unit header (§7.3.1)
 * +-+---+---------+
 * |F|NRI|  type   |   F (forbidden_zero_bit) must be 0
 * +-+---+---------+
 * ```
 *
 * What stays clear, by `nal_unit_type` (Table 7-1):
 * - 6 SEI, 7 SPS, 8 PPS, 9 AUD, 10/11 end of sequence/stream, 12 filler, 13 SPS extension,
 *   14 prefix NAL, 15 subset SPS: the whole unit. Parameter sets and delimiters carry no picture;
 *   the RTP depacketizer parses SPS and PPS and drops packets whose SPS it cannot parse.
 * - 1, 2, 5, 19 (coded slices): the header byte and the first three slice-header fields,
 *   `first_mb_in_slice`, `slice_type`, `pic_parameter_set_id` (§7.3.3, Exp-Golomb coded, usually
 *   2 bytes). libwebrtc's receiver reads the PPS id of every slice to find the SPS/PPS an IDR
 *   needs and drops the frame, asking for a new key frame, when it cannot: this is why H.264 breaks
 *   with the slice data fully encrypted. These fields reveal only the slice position and type.
 * - 20, 21 (slice extensions): the header byte and its 3-byte extension (§7.3.1).
 * - anything else (reserved and unspecified types): the header byte only; unknown data is
 *   encrypted, never sent in the clear.
 *
 * @module
 */
import { malformed } from './errors.js';

/** A NAL unit's place in the frame: bytes `[start, end)` (start code and trailing zeros excluded). */
export interface NalSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * Index of the first `00` of the next `00 00 01` at or after `from`, or `data.length`. Every
 * three-byte pattern that matters here (`00 00 00|01|02|03`) is three bytes `<= 0x03`, and any
 * three consecutive positions hold one of each residue mod 3, so only every third byte is read
 * until one is `<= 0x03`; then the three places such a pattern through it could begin are checked.
 * When `escapes` is given, the start of every `00 00 00|02|03` met on the way is appended to it.
 */
function nextStartCode(data: Uint8Array, from: number, escapes: number[] | undefined): number {
  const n = data.length;
  let i = from;
  while (i + 2 < n) {
    let j = i + 2;
    while (j < n && data[j]! > 3) j += 3;
    if (j >= n) return n;
    for (let p = Math.max(i, j - 2); p <= j; p++) {
      if (data[p] !== 0 || data[p + 1] !== 0) continue;
      const c = data[p + 2];
      if (c === 1) return p;
      if (c !== undefined && c <= 3) escapes?.push(p);
    }
    i = j + 1;
  }
  return n;
}

/**
 * Split an Annex B frame into NAL units. Leading zero bytes and trailing zero bytes of each unit
 * (Annex B `leading_zero_8bits`, `trailing_zero_8bits`) are not part of any unit.
 *
 * `escapes`, when given, receives (ascending) the start of every `00 00 00|02|03` in the frame:
 * the only places where emulation prevention has anything to undo or reject, so a receiver can
 * skip unescaping units that hold none without scanning them again.
 *
 * @throws FramingError `'malformed-frame'` when the frame does not begin with a start code or
 *   holds an empty NAL unit.
 * @example
 * ```ts
 * splitAnnexB(Uint8Array.of(0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce)); // [{ start: 4, end: 6 }, { start: 9, end: 11 }]
 * ```
 */
export function splitAnnexB(data: Uint8Array, escapes?: number[]): NalSpan[] {
  const n = data.length;
  let i = 0;
  while (i < n && data[i] === 0) i++;
  if (i < 2 || i >= n || data[i] !== 1) throw malformed('H.264 frame does not begin with a start code');
  const spans: NalSpan[] = [];
  let start = i + 1;
  for (;;) {
    const sc = nextStartCode(data, start, escapes);
    let end = sc;
    while (end > start && data[end - 1] === 0) end--;
    if (end === start) throw malformed('empty H.264 NAL unit');
    spans.push({ start, end });
    if (sc >= n) return spans;
    start = sc + 3;
  }
}

/** NAL unit types sent whole in the clear (see the module comment). */
const CLEAR_TYPES = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
/** Coded slice types whose slice header starts with first_mb_in_slice, slice_type, pps id. */
const SLICE_TYPES = new Set([1, 2, 5, 19]);

/**
 * How many leading bytes of this NAL unit stay clear; `nal.length` means the whole unit, and the
 * unit is then not encrypted at all. The answer depends only on those leading bytes, so the
 * receiver computes the same number from the protected unit.
 *
 * @throws FramingError `'malformed-frame'` on a set forbidden bit or a truncated/out-of-range slice header.
 * @example
 * ```ts
 * clearLength(Uint8Array.of(0x65, 0x88, 0x84, 0x21)); // { clear: 3, encrypted: true }: IDR, first_mb 0, I slice, PPS 0
 * ```
 */
export function clearLength(nal: Uint8Array): { clear: number; encrypted: boolean } {
  const header = nal[0]!;
  if (header & 0x80) throw malformed('H.264 NAL unit with forbidden_zero_bit set');
  const type = header & 0x1f;
  if (CLEAR_TYPES.has(type)) return { clear: nal.length, encrypted: false };
  if (SLICE_TYPES.has(type)) return { clear: slicePrefixEnd(nal), encrypted: true };
  if (type === 20 || type === 21) {
    if (nal.length < 4) throw malformed('H.264 NAL unit header extension truncated');
    return { clear: 4, encrypted: true };
  }
  return { clear: 1, encrypted: true };
}

/** True when this NAL unit is an IDR slice (nal_unit_type 5). */
export function isIdr(nal: Uint8Array): boolean {
  return (nal[0]! & 0x1f) === 5;
}

/**
 * Byte offset just past the byte holding the last bit of `pic_parameter_set_id`, reading the
 * slice header from the escaped NAL bytes (emulation prevention bytes are skipped, §7.4.1).
 */
function slicePrefixEnd(nal: Uint8Array): number {
  const r = new EbspBitReader(nal, 1);
  r.ue(31); // first_mb_in_slice
  if (r.ue(4) > 9) throw malformed('H.264 slice_type out of range'); // Table 7-6: 0..9
  if (r.ue(8) > 255) throw malformed('H.264 pic_parameter_set_id out of range'); // §7.4.2.2
  return r.bytePosition();
}

/** Reads bits from escaped NAL bytes (EBSP), skipping emulation prevention bytes. */
class EbspBitReader {
  #pos: number;
  #zeros = 0;
  #byte = 0;
  #bitsLeft = 0;

  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.#pos = start;
  }

  #bit(): number {
    if (this.#bitsLeft === 0) {
      let b = this.data[this.#pos];
      if (this.#zeros >= 2 && b === 3) {
        this.#pos++;
        this.#zeros = 0;
        b = this.data[this.#pos];
      }
      if (b === undefined) throw malformed('H.264 slice header truncated');
      this.#pos++;
      this.#zeros = b === 0 ? this.#zeros + 1 : 0;
      this.#byte = b;
      this.#bitsLeft = 8;
    }
    this.#bitsLeft--;
    return (this.#byte >> this.#bitsLeft) & 1;
  }

  /** Unsigned Exp-Golomb (§9.1) with at most `maxLeadingZeros` leading zero bits. */
  ue(maxLeadingZeros: number): number {
    let zeros = 0;
    while (this.#bit() === 0) {
      if (++zeros > maxLeadingZeros) throw malformed('H.264 Exp-Golomb code too long');
    }
    let value = 0;
    for (let k = 0; k < zeros; k++) value = value * 2 + this.#bit();
    return 2 ** zeros - 1 + value;
  }

  /** Offset just past the last byte read. */
  bytePosition(): number {
    return this.#pos;
  }
}
