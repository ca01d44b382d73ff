/**
 * Out-of-band verification strings: the per-pair safety number and short authentication
 * string (SAS), and the group call code.
 *
 * All three are computed from public keys only — every identity key and every per-call
 * X25519 key that protects media between the parties — so two honest parties compute the same
 * value, and a man in the middle (who must substitute at least one of those keys) makes them
 * differ.
 *
 * ```
 *  fingerprint(P)  = SHA-512("sealrtc/v1/safety" ‖ idk_P ‖ eph_P)[0..30]
 *                  → 6 chunks of 5 bytes, each (uint40 mod 100000) as 5 digits → 30 digits
 *  safety number   = the two 30-digit halves, sorted, concatenated → 60 digits
 *  sas             = SHA-256("sealrtc/v1/sas" ‖ lp(room) ‖ sorted(idk‖eph of both))
 *                  → uint32(bytes 0..4) mod 10^6 as 6 digits; bytes 4..9 & 63 → 5 emoji
 *  call code       = SHA-256("sealrtc/v1/call-code" ‖ lp(room) ‖ for each member sorted by id:
 *                      lp(id) ‖ idk ‖ eph) → uint40(bytes 0..5) mod 10^12 as "dddd-dddd-dddd"
 * ```
 *
 * @module
 */
import { compareIds, concat, lp, utf8Bytes } from './bytes.js';
import { sha256, sha512 } from './crypto.js';
import type { PartyKeys } from './handshake.js';
import type { PeerInfo } from './session-types.js';

/** The public keys of one party that verification strings cover. */
export type VerificationKeys = Pick<PartyKeys, 'idk' | 'eph'>;

function uintBE(b: Uint8Array, from: number, len: number): number {
  let n = 0;
  for (let i = from; i < from + len; i++) n = n * 256 + b[i]!;
  return n;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

async function fingerprint(p: VerificationKeys): Promise<string> {
  const h = await sha512(concat(utf8Bytes('sealrtc/v1/safety'), p.idk, p.eph));
  let out = '';
  for (let i = 0; i < 6; i++) out += String(uintBE(h, i * 5, 5) % 100_000).padStart(5, '0');
  return out;
}

/**
 * The 60-digit safety number of a pair; symmetric (argument order does not matter).
 *
 * @throws never
 * @example
 * ```ts
 * const n = await safetyNumber(me, peer);   // compare aloud or by QR code
 * formatSafetyNumber(n);                     // "12345 67890 …"
 * ```
 */
export async function safetyNumber(a: VerificationKeys, b: VerificationKeys): Promise<string> {
  const halves = [await fingerprint(a), await fingerprint(b)].sort();
  return halves.join('');
}

/**
 * Group a safety number in blocks of five digits for display.
 *
 * @throws never
 * @example
 * ```ts
 * formatSafetyNumber('0123456789') // "01234 56789"
 * ```
 */
export function formatSafetyNumber(n: string): string {
  return n.replace(/(\d{5})(?=\d)/g, '$1 ');
}

/** 64 emoji for the SAS (distinct, easy to name aloud). */
export const SAS_EMOJI = [
  '🐶', '🐱', '🦁', '🐴', '🦄', '🐷', '🐘', '🐰', '🐼', '🐓', '🐧', '🐢', '🐟', '🐙', '🦋', '🌷',
  '🌳', '🌵', '🍄', '🌏', '🌙', '☁️', '🔥', '🍌', '🍎', '🍓', '🌽', '🍕', '🎂', '❤️', '😀', '🤖',
  '🎩', '👓', '🔧', '🎅', '👍', '☂️', '⌛', '⏰', '🎁', '💡', '📕', '✏️', '📎', '✂️', '🔒', '🔑',
  '🔨', '☎️', '🏁', '🚂', '🚲', '✈️', '🚀', '🏆', '⚽', '🎸', '🎺', '🔔', '⚓', '🎧', '📁', '📌',
] as const;

/**
 * The short authentication string of a pair: 6 digits plus 5 emoji; symmetric.
 *
 * @throws never
 * @example
 * ```ts
 * const { digits, emoji } = await shortAuthString('room-1', me, peer);
 * ```
 */
export async function shortAuthString(
  room: string,
  a: VerificationKeys,
  b: VerificationKeys,
): Promise<{ digits: string; emoji: string[] }> {
  const parts = [concat(a.idk, a.eph), concat(b.idk, b.eph)].sort(compareBytes);
  const h = await sha256(concat(utf8Bytes('sealrtc/v1/sas'), lp(room), ...parts));
  const digits = String(uintBE(h, 0, 4) % 1_000_000).padStart(6, '0');
  const emoji = Array.from(h.subarray(4, 9), (x) => SAS_EMOJI[x & 63]!);
  return { digits, emoji };
}

/**
 * The group call code over every member (self included); it changes whenever membership or
 * any member's keys change.
 *
 * @throws never
 * @example
 * ```ts
 * const code = await callCode('room-1', [me, ...peers]);   // "0421-9983-1207"
 * ```
 */
export async function callCode(room: string, members: PartyKeys[]): Promise<string> {
  const sorted = [...members].sort((x, y) => compareIds(x.id, y.id));
  const h = await sha256(
    concat(utf8Bytes('sealrtc/v1/call-code'), lp(room), ...sorted.map((m) => concat(lp(m.id), m.idk, m.eph))),
  );
  const d = String(uintBE(h, 0, 5) % 1_000_000_000_000).padStart(12, '0');
  return `${d.slice(0, 4)}-${d.slice(4, 8)}-${d.slice(8)}`;
}

/**
 * The {@link PeerInfo} of an authenticated peer (verification strings computed here).
 *
 * @throws never
 * @example
 * ```ts
 * const info = await peerInfo(room, self, { ...peer, name }, attestationRequired);
 * ```
 */
export async function peerInfo(
  room: string,
  self: PartyKeys,
  peer: PartyKeys & { name: string },
  attested: boolean,
): Promise<PeerInfo> {
  const sas = await shortAuthString(room, self, peer);
  return {
    id: peer.id,
    ...(peer.name ? { displayName: peer.name } : {}),
    identityKey: new Uint8Array(peer.idk),
    safetyNumber: await safetyNumber(self, peer),
    sas: sas.digits,
    sasEmoji: sas.emoji.join(' '),
    attested,
  };
}
