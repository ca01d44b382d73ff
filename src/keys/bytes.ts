/**
 * Byte helpers shared by the key layer: unambiguous concatenation for transcripts,
 * constant-time comparison, zeroing.
 *
 * @module
 */

const utf8 = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}

/** Concatenate byte strings. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A length-prefixed field (u16 big-endian length ‖ bytes): concatenations of these cannot collide. */
export function lp(field: Uint8Array | string): Uint8Array {
  const b = typeof field === 'string' ? utf8Bytes(field) : field;
  if (b.length > 0xffff) throw new RangeError('field too long for a transcript');
  return concat(new Uint8Array([b.length >> 8, b.length & 0xff]), b);
}

/** Unsigned 64-bit big-endian encoding of a safe integer or bigint. */
export function u64(n: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** Equality that does not stop at the first differing byte. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** True when every byte is zero. */
export function isAllZero(a: Uint8Array): boolean {
  let d = 0;
  for (const x of a) d |= x;
  return d === 0;
}

/** Overwrite a buffer we own with zeros (retired key material). */
export function zero(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/** Lexicographic comparison of strings by UTF-16 code unit (deterministic in every engine). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
