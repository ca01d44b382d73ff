/**
 * AV1 low-overhead bitstream parsing for framing (AV1 spec §5.3 OBU syntax, §4.10.5 leb128).
 *
 * ```
 * OBU header (§5.3.2)                          optional extension (§5.3.3)
 * +-+-------+-+-+-+                            +-----+---+-----+
 * |F| type  |X|S|R|                            | tid |sid| res |
 * +-+-------+-+-+-+                            +-----+---+-----+
 *  F forbidden (0), X extension present, S obu_has_size_field, R reserved
 *
 * OBU: | header | [extension] | [obu_size: leb128, when S] | payload |
 * ```
 *
 * An OBU without a size field runs to the end of the frame, so it can only be the last one.
 *
 * @module
 */
import { malformed } from './errors.js';

/** OBU types framing treats specially (AV1 spec §6.2.2, Table "obu_type"). */
export const OBU_SEQUENCE_HEADER = 1;
export const OBU_TEMPORAL_DELIMITER = 2;
export const OBU_FRAME_HEADER = 3;
export const OBU_FRAME = 6;
export const OBU_TILE_LIST = 8;
export const OBU_PADDING = 15;

/** One parsed OBU; offsets index the frame it came from. */
export interface Obu {
  /** The header byte as sent. */
  readonly header: number;
  readonly type: number;
  /** Extension byte, when the header's X bit is set. */
  readonly extension: number | undefined;
  readonly hasSize: boolean;
  /** Offset of the header byte. */
  readonly start: number;
  readonly payloadStart: number;
  readonly payloadEnd: number;
}

/** Bytes of the minimal leb128 encoding of `value` (≤ 2^32 − 1). */
export function leb128Size(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}

/** Write minimal leb128 at `offset`; returns the offset after it. */
export function writeLeb128(value: number, dst: Uint8Array, offset: number): number {
  let v = value;
  while (v >= 0x80) {
    dst[offset++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  dst[offset++] = v;
  return offset;
}

/** Read leb128 at `offset` (§4.10.5: at most 8 bytes, value ≤ 2^32 − 1). */
function readLeb128(data: Uint8Array, offset: number): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const b = data[offset + i];
    if (b === undefined) throw malformed('AV1 obu_size truncated');
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) throw malformed('AV1 obu_size above 2^32 - 1');
      return { value, length: i + 1 };
    }
  }
  throw malformed('AV1 obu_size longer than 8 bytes');
}

/**
 * Parse a temporal unit into OBUs.
 *
 * @throws FramingError `'malformed-frame'` on an empty frame, a set forbidden bit, a truncated header
 *   or size, or a size that runs past the end of the frame.
 * @example
 * ```ts
 * parseObus(Uint8Array.of(0x12, 0x00, 0x30, 0xaa)).map((o) => o.type); // [2, 6]: TD, then a frame OBU without size field
 * ```
 */
export function parseObus(data: Uint8Array): Obu[] {
  const n = data.length;
  if (n === 0) throw malformed('empty AV1 frame');
  const obus: Obu[] = [];
  let pos = 0;
  while (pos < n) {
    const header = data[pos]!;
    if (header & 0x80) throw malformed('AV1 OBU with obu_forbidden_bit set');
    let p = pos + 1;
    let extension: number | undefined;
    if (header & 0x04) {
      extension = data[p++];
      if (extension === undefined) throw malformed('AV1 OBU extension header truncated');
    }
    const hasSize = (header & 0x02) !== 0;
    let end = n;
    if (hasSize) {
      const { value, length } = readLeb128(data, p);
      p += length;
      if (value > n - p) throw malformed('AV1 obu_size runs past the end of the frame');
      end = p + value;
    }
    obus.push({ header, type: (header >> 3) & 0x0f, extension, hasSize, start: pos, payloadStart: p, payloadEnd: end });
    pos = end;
  }
  return obus;
}
