/**
 * Loads the shared test vectors (`../shared/vectors`, provenance in its README).
 *
 * Several files hold integers above 2^53 − 1 as bare JSON numbers, which `JSON.parse` would
 * silently round. {@link loadVectors} turns every bare integer into a `bigint` straight from its
 * source text, never through a double.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Absolute path of the shared vectors directory (override with SEALRTC_VECTORS). */
export const VECTORS_DIR = process.env.SEALRTC_VECTORS ?? resolve(import.meta.dirname, '../../../shared/vectors');

/**
 * Parse a vectors file; every bare JSON integer becomes a `bigint`, other numbers stay numbers.
 * Node 20's `JSON.parse` reviver has no access to the number's source text, so integers are
 * quoted with a marker before parsing (outside string literals only) and revived from it.
 */
export function loadVectors<T = unknown>(file: string): T {
  return parseWithBigInts<T>(readFileSync(resolve(VECTORS_DIR, file), 'utf8'));
}

const MARK = '\u0000bigint:';

/** {@link loadVectors} on a JSON string. */
export function parseWithBigInts<T = unknown>(text: string): T {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j++;
      const token = text.slice(i, j);
      out += /^-?\d+$/.test(token) ? JSON.stringify(MARK + token) : token;
      i = j - 1;
      continue;
    }
    out += c;
  }
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value,
  ) as T;
}

/** Hex string → bytes. */
export function hex(s: string): Uint8Array {
  if (s.length % 2 !== 0) throw new Error('odd-length hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bytes → lowercase hex string. */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
