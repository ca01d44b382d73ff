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
 * Speed: one scan that reads only every third byte while it sees bytes above `0x03` (every
 * pattern that matters is three bytes `<= 0x03`) records where to insert, then the runs between
 * insertions are copied with `set`. Escaping random bytes costs about one copy plus a third of a
 * read per byte; nothing is pushed byte by byte.
 *
 * @module
 */
import { malformed } from './errors.js';

/**
 * Where to resume byte-exact scanning, given that no zero run is pending before `from`. Every
 * pattern that matters (`00 00 00|01|02|03`) is three bytes that are all `<= 0x03`, and any three
 * consecutive positions hold one of each residue mod 3: so only every third byte is read until
 * one is `<= 0x03`, then exact scanning resumes two bytes before it. Random bytes pass the test
 * with probability 1/64, so the scan reads about a third of the input.
 */
function resumeAt(src: Uint8Array, from: number, n: number): number {
  let j = from + 2;
  while (j < n && src[j]! > 3) j += 3;
  return j >= n ? n : j - 2;
}

/**
 * Positions in `src` before which escaping inserts `0x03`, in ascending order (`zerosBefore`:
 * zero bytes right before `src`, 0–2). Its length is the number of bytes escaping adds.
 *
 * @example
 * ```ts
 * escapePlan(Uint8Array.of(7, 0, 0, 1, 0, 0, 9)); // [3]
 * ```
 */
export function escapePlan(src: Uint8Array, zerosBefore = 0): number[] {
  const n = src.length;
  const plan: number[] = [];
  let zeros = zerosBefore;
  let i = 0;
  while (i < n) {
    const b = src[i]!;
    if (zeros >= 2 && b <= 3) {
      plan.push(i);
      zeros = 0;
    }
    if (b === 0) {
      zeros++;
      i++;
    } else {
      zeros = 0;
      i = resumeAt(src, i + 1, n);
    }
  }
  return plan;
}

/** Write `src` escaped per `plan` into `dst` at `offset`; returns the offset after it. */
export function writeEscaped(src: Uint8Array, plan: readonly number[], dst: Uint8Array, offset: number): number {
  let out = offset;
  let from = 0;
  for (const at of plan) {
    dst.set(src.subarray(from, at), out);
    out += at - from;
    dst[out++] = 3;
    from = at;
  }
  dst.set(src.subarray(from), out);
  return out + (src.length - from);
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
  const plan = escapePlan(src, zerosBefore);
  const dst = new Uint8Array(src.length + plan.length);
  writeEscaped(src, plan, dst, 0);
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
    } else {
      zeros = 0;
      i = resumeAt(src, i + 1, n);
    }
  }
  if (dst === undefined) return src;
  dst.set(src.subarray(from), out);
  return dst.subarray(0, out + (n - from));
}
