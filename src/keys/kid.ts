/**
 * SFrame KIDs of the group key schedule and the join ratchet.
 *
 * ```
 *   KID (32 bits, sent as an SFrame KID, RFC 9605 §4.3)
 *   ┌──────────────────────┬──────────────────────┐
 *   │ slot (16 bits)       │ epoch mod 2^16       │
 *   └──────────────────────┴──────────────────────┘
 * ```
 *
 * - **slot**: random per sender per call, unique in the room (collisions are resolved: the
 *   higher peer id picks a new slot). At most 65 536 concurrent senders; a mesh is far smaller.
 * - **epoch**: the sender's key generation. It increases on every join ratchet, leave rekey and
 *   periodic rekey, and wraps after 65 535 to 0. Wrapping is safe because receivers hold at
 *   most a few recent epochs of a sender (older ones are removed within a second or two), so
 *   a wrapped KID never meets a stale key; the base key behind it is new in any case.
 * - A 32-bit KID costs 4–5 header bytes per frame (RFC 9605 §4.3 encodes KIDs ≥ 8 in
 *   1–8 extra bytes).
 *
 * Join ratchet (in the spirit of RFC 9605 §5.1): `next = HKDF-SHA256(ikm = key, salt = "",
 * info = "sealrtc/v1 sender-key ratchet", 32)`. One-way: a joiner given `next` cannot
 * compute `key`, so it cannot open frames sealed before it joined.
 *
 * @module
 */
import { utf8Bytes } from './bytes.js';
import { hkdf } from './crypto.js';

/** Number of distinct epochs in a KID before it wraps. */
export const EPOCH_MODULUS = 0x1_0000;
/** Number of distinct sender slots. */
export const SLOT_COUNT = 0x1_0000;

/**
 * The KID of (slot, epoch).
 *
 * @throws RangeError for a slot outside 0‥65535 or a negative/non-integer epoch.
 * @example
 * ```ts
 * makeKid(0x1234, 2) // 0x12340002
 * ```
 */
export function makeKid(slot: number, epoch: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new RangeError('slot out of range');
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError('epoch out of range');
  return slot * EPOCH_MODULUS + (epoch % EPOCH_MODULUS);
}

/**
 * Split a KID into slot and (wrapped) epoch.
 *
 * @throws never
 * @example
 * ```ts
 * parseKid(0x12340002) // { slot: 0x1234, epoch: 2 }
 * ```
 */
export function parseKid(kid: number): { slot: number; epoch: number } {
  return { slot: Math.floor(kid / EPOCH_MODULUS), epoch: kid % EPOCH_MODULUS };
}

/**
 * The next base key of the join ratchet (32 bytes; the caller owns and zeroes both).
 *
 * @throws never
 * @example
 * ```ts
 * const next = await ratchetKey(current);   // what a joiner receives
 * ```
 */
export function ratchetKey(key: Uint8Array): Promise<Uint8Array> {
  return hkdf(key, new Uint8Array(0), utf8Bytes('sealrtc/v1 sender-key ratchet'), 32);
}
