/**
 * Long-term Ed25519 identities, their public cards, optional attestation by the app's server,
 * and export/import for persistence.
 *
 * An exported identity contains the private seed: the app must store it encrypted (for example
 * under a key from the platform keystore or a passcode-derived key), never in plain
 * `localStorage`.
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { Packr } from 'msgpackr';
import { concat, lp, utf8Bytes } from './bytes.js';
import { KeyError } from './errors.js';

/** The public face of an identity: what peers see and what an app server may attest. */
export interface IdentityCard {
  /** Ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
  readonly displayName?: string;
  /** Ed25519 signature by the app server's key over {@link cardSigningBytes} (64 bytes). */
  readonly attestation?: Uint8Array;
}

/** A participant's long-term signing identity. The private key never leaves the object except via {@link exportIdentity}. */
export interface Identity {
  readonly publicKey: Uint8Array;
  readonly displayName?: string;
  readonly attestation?: Uint8Array;
  /** The public card (a fresh copy on each read). */
  readonly card: IdentityCard;
  /** Ed25519-sign `message` (RFC 8032). */
  sign(message: Uint8Array): Uint8Array;
}

const seeds = new WeakMap<Identity, Uint8Array>();
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const CARD_LABEL = utf8Bytes('sealrtc/v1/card');

function makeIdentity(seed: Uint8Array, displayName?: string, attestation?: Uint8Array): Identity {
  const secret = new Uint8Array(seed);
  const publicKey = ed25519.getPublicKey(secret);
  const att = attestation ? new Uint8Array(attestation) : undefined;
  const identity: Identity = {
    publicKey,
    ...(displayName !== undefined ? { displayName } : {}),
    ...(att ? { attestation: att } : {}),
    get card(): IdentityCard {
      return {
        publicKey: new Uint8Array(publicKey),
        ...(displayName !== undefined ? { displayName } : {}),
        ...(att ? { attestation: new Uint8Array(att) } : {}),
      };
    },
    sign: (message) => ed25519.sign(message, secret),
  };
  Object.freeze(identity);
  seeds.set(identity, secret);
  return identity;
}

/** Display names travel in handshakes, which limit them (protocol `LIMITS.displayName`). */
const MAX_DISPLAY_NAME = 128;

function checkCardFields(displayName: string | undefined, attestation: Uint8Array | undefined): void {
  if (displayName !== undefined && displayName.length > MAX_DISPLAY_NAME) {
    throw new KeyError('invalid-identity', 'display name longer than 128 characters');
  }
  if (attestation !== undefined && attestation.length !== 64) {
    throw new KeyError('invalid-identity', 'attestation must be a 64-byte Ed25519 signature');
  }
}

/**
 * Create a new random Ed25519 identity.
 *
 * @throws KeyError `'invalid-identity'` for a display name over 128 characters or an
 *   attestation that is not 64 bytes.
 * @example
 * ```ts
 * const me = createIdentity({ displayName: 'Dr. Rivera' });
 * ```
 */
export function createIdentity(opts?: { displayName?: string; attestation?: Uint8Array }): Identity {
  checkCardFields(opts?.displayName, opts?.attestation);
  const seed = ed25519.utils.randomSecretKey();
  const id = makeIdentity(seed, opts?.displayName, opts?.attestation);
  seed.fill(0);
  return id;
}

/**
 * The same identity with an attestation from the app's server attached.
 *
 * @throws KeyError `'invalid-identity'` if `identity` was not made by sealrtc, or the
 *   attestation is not 64 bytes.
 * @example
 * ```ts
 * const attested = withAttestation(me, await myServer.attest(me.card));
 * ```
 */
export function withAttestation(identity: Identity, attestation: Uint8Array): Identity {
  const seed = seeds.get(identity);
  if (!seed) throw new KeyError('invalid-identity', 'not a sealrtc identity');
  checkCardFields(identity.displayName, attestation);
  return makeIdentity(seed, identity.displayName, attestation);
}

/**
 * Serialize an identity, private key included, so the app can persist it. **Store the result
 * encrypted** and zero it after use.
 *
 * @throws KeyError `'invalid-identity'` if `identity` was not made by sealrtc.
 * @example
 * ```ts
 * const blob = exportIdentity(me);       // secret: encrypt before storing
 * const again = importIdentity(blob);
 * ```
 */
export function exportIdentity(identity: Identity): Uint8Array {
  const seed = seeds.get(identity);
  if (!seed) throw new KeyError('invalid-identity', 'not a sealrtc identity');
  return new Uint8Array(
    packr.pack({ v: 1, seed, name: identity.displayName ?? '', att: identity.attestation ?? new Uint8Array(0) }),
  );
}

/**
 * Restore an identity from {@link exportIdentity} bytes.
 *
 * @throws KeyError `'invalid-identity'` when the bytes are not an exported sealrtc identity.
 * @example
 * ```ts
 * const me = importIdentity(await decryptFromStorage());
 * ```
 */
export function importIdentity(bytes: Uint8Array): Identity {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (cause) {
    throw new KeyError('invalid-identity', 'identity bytes are not decodable', { cause });
  }
  const r = raw as Record<string, unknown> | null;
  if (
    typeof r !== 'object' || r === null || r.v !== 1 ||
    !(r.seed instanceof Uint8Array) || r.seed.length !== 32 ||
    typeof r.name !== 'string' || r.name.length > 128 ||
    !(r.att instanceof Uint8Array) || (r.att.length !== 0 && r.att.length !== 64)
  ) {
    throw new KeyError('invalid-identity', 'identity bytes have the wrong shape');
  }
  const id = makeIdentity(r.seed, r.name === '' ? undefined : r.name, r.att.length ? r.att : undefined);
  r.seed.fill(0);
  return id;
}

/**
 * The exact bytes an app server signs to attest a card: `"sealrtc/v1/card" ‖ lp(publicKey) ‖
 * lp(displayName)` (lp = 16-bit length prefix). The attestation itself is not included.
 *
 * @throws never
 * @example
 * ```ts
 * const sig = ed25519.sign(cardSigningBytes(card), serverSecretKey);
 * ```
 */
export function cardSigningBytes(card: IdentityCard): Uint8Array {
  return concat(CARD_LABEL, lp(card.publicKey), lp(card.displayName ?? ''));
}

/**
 * Attest a card with an Ed25519 server key (what an app server does; handy in tests).
 *
 * @throws never
 * @example
 * ```ts
 * const attestation = attestCard(me.card, serverSecretKey);
 * ```
 */
export function attestCard(card: IdentityCard, serverSecretKey: Uint8Array): Uint8Array {
  return ed25519.sign(cardSigningBytes(card), serverSecretKey);
}

/**
 * Verify a card's attestation against the app's server public key (strict RFC 8032
 * verification: non-canonical or malleable signatures are rejected).
 *
 * @returns true only when the card carries a valid attestation by `attestationKey`.
 * @throws never
 * @example
 * ```ts
 * if (!verifyCard(peer.card, appServerPublicKey)) reject();
 * ```
 */
export function verifyCard(card: IdentityCard, attestationKey: Uint8Array): boolean {
  if (!card.attestation || card.attestation.length !== 64) return false;
  return verifyStrict(card.attestation, cardSigningBytes(card), attestationKey);
}

/**
 * Ed25519 verification as sealrtc uses it everywhere: RFC 8032 strict (`zip215: false`),
 * never throwing (bad lengths or encodings are just invalid).
 *
 * @throws never
 * @example
 * ```ts
 * if (!verifyStrict(sig, transcriptBytes, peerIdentityKey)) reject();
 * ```
 */
export function verifyStrict(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    // noble throws on undecodable points/scalars; for a verifier that is simply "invalid".
    return false;
  }
}
