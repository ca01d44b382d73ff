/**
 * H.264 emulation prevention over SFrame bytes (ITU-T H.264 §7.4.1, "emulation_prevention_three_byte"),
 * so that no ciphertext, SFrame header or tag byte run inside a NAL unit looks like a start code.
 *
 * Escaping inserts `0x03` after any two zero bytes that are followed by a byte `0x00`–`0x03`:
 *
 * ```
 * 00 00 00  →  00 00 03 00        00 00 02  →  00 00 03 02
 * 00 00 01  →  00 00 03 01        00 00 03  →  00 00 03 03
 * ```
 *
 * so the output never holds `00 00 00`, `00 00 01` or `00 00 02`. `zerosBefore` carries the zero
 * run that ends the clear bytes in front of the escaped part, so a start code cannot form across
 * that boundary either. Unescaping is strict: it accepts only what escaping produces (an emulation
 * prevention byte must be followed by `0x00`–`0x03`, and `00 00 00|01|02` is refused), so each
 * SFrame has exactly one wire form.
 *
 * Speed: the scan jumps from zero byte to zero byte with `indexOf(0)` (native memchr), and copies
 * the runs between insertions with `set`, so escaping random bytes costs about one copy.
 *
 * @module
 */
import { malformed } from './errors.js';

/** Number of bytes `src` takes once escaped (`zerosBefore`: zero bytes right before it, 0–2). */
export function escapedLength(src: Uint8Array, zerosBefore = 0): number {
  const n = src.length;
  let extra = 0;
  let zeros = zerosBefore;
  let i = 0;
  while (i < n) {
    const b = src[i]!;
    if (zeros >= 2 && b <= 3) {
      extra++;
      zeros = 0;
    }
    if (b === 0) {
      zeros++;
      i++;
      continue;
    }
    zeros = 0;
    const next = src.indexOf(0, i + 1);
    if (next < 0) break;
    i = next;
  }
  return n + extra;
}

/**
 * Write `src` escaped into `dst` at `offset`; returns the offset after it. `dst` must have room for
 * {@link escapedLength} bytes.
 */
export function escapeInto(src: Uint8Array, dst: Uint8Array, offset: number, zerosBefore = 0): number {
  const n = src.length;
  let out = offset;
  let from = 0;
  let zeros = zerosBefore;
  let i = 0;
  while (i < n) {
    const b = src[i]!;
    if (zeros >= 2 && b <= 3) {
      dst.set(src.subarray(from, i), out);
      out += i - from;
      dst[out++] = 3;
      from = i;
      zeros = 0;
    }
    if (b === 0) {
      zeros++;
      i++;
      continue;
    }
    zeros = 0;
    const next = src.indexOf(0, i + 1);
    if (next < 0) break;
    i = next;
  }
  dst.set(src.subarray(from), out);
  return out + (n - from);
}

/**
 * Escape `src` into a new array.
 *
 * @example
 * ```ts
 * escapeEmulation(Uint8Array.of(0, 0, 1)); // → 00 00 03 01
 * ```
 */
export function escapeEmulation(src: Uint8Array, zerosBefore = 0): Uint8Array {
  const dst = new Uint8Array(escapedLength(src, zerosBefore));
  escapeInto(src, dst, 0, zerosBefore);
  return dst;
}

/**
 * Undo {@link escapeEmulation}. Returns `src` itself (a view, no copy) when it holds no emulation
 * prevention byte.
 *
 * @throws FramingError `'malformed-frame'` on a start-code emulation (`00 00 00|01|02`) or an
 *   emulation prevention byte escaping (`00 00 03` followed by a byte above `0x03`, or by nothing).
 * @example
 * ```ts
 * unescapeEmulation(Uint8Array.of(0, 0, 3, 1)); // → 00 00 01
 * ```
 */
export function unescapeEmulation(src: Uint8Array, zerosBefore = 0): Uint8Array {
  const n = src.length;
  let dst: Uint8Array | undefined;
  let out = 0;
  let from = 0;
  let zeros = zerosBefore;
  let i = 0;
  while (i < n) {
    const b = src[i]!;
    if (zeros >= 2) {
      if (b === 3) {
        const following = src[i + 1];
        if (following === undefined || following > 3) throw malformed('H.264 emulation prevention byte out of place');
        dst ??= new Uint8Array(n);
        dst.set(src.subarray(from, i), out);
        out += i - from;
        from = i + 1;
        zeros = 0;
        i++;
        continue;
      }
      if (b < 3) throw malformed('H.264 start code emulated inside a NAL unit');
    }
    if (b === 0) {
      zeros++;
      i++;
      continue;
    }
    zeros = 0;
    const next = src.indexOf(0, i + 1);
    if (next < 0) break;
    i = next;
  }
  if (dst === undefined) return src;
  dst.set(src.subarray(from), out);
  return dst.subarray(0, out + (n - from));
}
