/**
 * The pairwise handshake: per-call X25519 keys, the signed transcript, and the derivation of
 * a pair's directional channel keys.
 *
 * ```
 *  A (in the room)                         B (joining)
 *  ───────────────                         ───────────
 *                  ◄── hello(B: idk_B, commit_B = SHA-256(eph_B))        broadcast
 *  auth(A→B: idk_A, eph_A, name, att,
 *       sig_A over T(A,B)) ──►
 *                                          check sig_A; derive keys
 *                  ◄── auth(B→A: idk_B, eph_B, …, sig_B over T(B,A))
 *  check SHA-256(eph_B) = commit_B, sig_B; derive keys
 *
 *  T(S,P) = "sealrtc/v1/handshake" ‖ lp(room)
 *         ‖ lp(id_S) ‖ idk_S ‖ eph_S ‖ lp(name_S) ‖ lp(att_S)      signer
 *         ‖ lp(id_P) ‖ idk_P ‖ SHA-256(eph_P)                      peer (its commitment)
 * ```
 *
 * A signer only needs the peer's commitment, so whoever speaks first reveals its X25519 key
 * only after the other side has committed to its own: an interceptor cannot choose a key after
 * seeing both, which is what keeps the 6-digit SAS from being ground. Both signatures cover the
 * room id, both ids, both identity keys and both X25519 keys (via the commitment), and the
 * protocol version (in the label). Roles are symmetric, so simultaneous joins cannot deadlock;
 * the lower peer id is "low" for the directional labels.
 *
 * Keys (RFC 5869 HKDF-SHA256, RFC 7748 X25519):
 * ```
 *  ss    = X25519(eph_self, eph_peer)          all-zero → rejected (RFC 7748 §6.1)
 *  salt  = SHA-256("sealrtc/v1/channel" ‖ lp(room) ‖ low(id,idk,eph) ‖ high(id,idk,eph))
 *  k_lh  = HKDF(ss, salt, "sealrtc/v1 channel msg low->high", 32)
 *  k_hl  = HKDF(ss, salt, "sealrtc/v1 channel msg high->low", 32)
 * ```
 *
 * @module
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { compareIds, concat, isAllZero, lp, utf8Bytes, zero } from './bytes.js';
import { hkdf, sha256 } from './crypto.js';
import { KeyError } from './errors.js';

/** One side of a pair as the transcript sees it. */
export interface PartyKeys {
  id: string;
  /** Ed25519 identity public key. */
  idk: Uint8Array;
  /** X25519 public key for this call. */
  eph: Uint8Array;
}

/** A per-call X25519 key pair. `secretKey` is zeroed by {@link EphemeralKey.destroy}. */
export interface EphemeralKey {
  readonly publicKey: Uint8Array;
  readonly commit: Uint8Array;
  readonly secretKey: Uint8Array;
  destroy(): void;
}

/**
 * Make this call's X25519 key pair and its commitment.
 *
 * @throws never
 * @example
 * ```ts
 * const eph = await createEphemeral();   // eph.commit goes in the hello
 * eph.destroy();                          // at the end of the call
 * ```
 */
export async function createEphemeral(): Promise<EphemeralKey> {
  const secretKey = x25519.utils.randomSecretKey();
  const publicKey = x25519.getPublicKey(secretKey);
  const commit = await sha256(publicKey);
  return { publicKey, commit, secretKey, destroy: () => zero(secretKey) };
}

/**
 * The commitment to an X25519 public key (SHA-256).
 *
 * @throws never
 * @example
 * ```ts
 * equalBytes(await commitTo(auth.eph), hello.commit)
 * ```
 */
export function commitTo(eph: Uint8Array): Promise<Uint8Array> {
  return sha256(eph);
}

/**
 * The bytes the signer signs, with the peer represented by the commitment to its X25519 key.
 *
 * @throws RangeError if a variable-length field exceeds 65 535 bytes (the codec's limits prevent it).
 * @example
 * ```ts
 * const sig = identity.sign(transcript(room, { ...self, name, att }, { id, idk, commit }));
 * ```
 */
export function transcript(
  room: string,
  signer: PartyKeys & { name: string; att: Uint8Array },
  peer: { id: string; idk: Uint8Array; commit: Uint8Array },
): Uint8Array {
  return concat(
    utf8Bytes('sealrtc/v1/handshake'),
    lp(room),
    lp(signer.id), signer.idk, signer.eph, lp(signer.name), lp(signer.att),
    lp(peer.id), peer.idk, peer.commit,
  );
}

/**
 * X25519 shared secret, rejecting low-order peer keys: noble refuses them, and the all-zero
 * output check of RFC 7748 §6.1 is repeated here so the property does not rest on one library.
 *
 * @throws KeyError `'low-order-point'`.
 * @example
 * ```ts
 * const ss = sharedSecret(eph.secretKey, peerEph);   // zero it after use
 * ```
 */
export function sharedSecret(secretKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  let ss: Uint8Array;
  try {
    ss = x25519.getSharedSecret(secretKey, peerPublic);
  } catch (cause) {
    throw new KeyError('low-order-point', 'peer X25519 key rejected', { cause });
  }
  if (isAllZero(ss)) throw new KeyError('low-order-point', 'peer X25519 key gives an all-zero secret');
  return ss;
}

/** Directional channel keys of one pair, seen from one side. Raw bytes: the caller zeroes them. */
export interface ChannelKeys {
  send: Uint8Array;
  receive: Uint8Array;
}

/**
 * Derive the two directional message keys of a pair from the X25519 shared secret.
 *
 * @throws KeyError `'low-order-point'`.
 * @example
 * ```ts
 * const keys = await deriveChannelKeys(room, self, eph.secretKey, peer);
 * const channel = await PairwiseChannel.create(room, self.id, peer.id, keys);
 * ```
 */
export async function deriveChannelKeys(
  room: string,
  self: PartyKeys,
  selfSecret: Uint8Array,
  peer: PartyKeys,
): Promise<ChannelKeys> {
  const ss = sharedSecret(selfSecret, peer.eph);
  try {
    const selfLow = compareIds(self.id, peer.id) < 0;
    const [low, high] = selfLow ? [self, peer] : [peer, self];
    const salt = await sha256(
      concat(
        utf8Bytes('sealrtc/v1/channel'), lp(room),
        lp(low.id), low.idk, low.eph, lp(high.id), high.idk, high.eph,
      ),
    );
    const lh = await hkdf(ss, salt, utf8Bytes('sealrtc/v1 channel msg low->high'), 32);
    const hl = await hkdf(ss, salt, utf8Bytes('sealrtc/v1 channel msg high->low'), 32);
    return selfLow ? { send: lh, receive: hl } : { send: hl, receive: lh };
  } finally {
    zero(ss);
  }
}
