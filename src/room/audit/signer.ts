/**
 * The signing capability the audit trail and chat sealing need from a participant's Ed25519
 * identity, without holding the identity's secret key themselves.
 *
 * The identity module (`src/keys/`) can hand over an object of this shape; for tests and for
 * apps that manage raw keys, {@link ed25519Signer} wraps a 32-byte secret key (RFC 8032 §5.1.5).
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { AuditError } from './errors.js';

/**
 * Signs messages with one Ed25519 identity key.
 *
 * @example
 * ```ts
 * const signer: Ed25519Signer = { publicKey: identity.publicKey, sign: (m) => identity.sign(m) };
 * ```
 */
export interface Ed25519Signer {
  /** The 32-byte Ed25519 public key verifiers use. */
  readonly publicKey: Uint8Array;
  /** A 64-byte Ed25519 signature (RFC 8032 §5.1.6) over `message`. */
  sign(message: Uint8Array): Uint8Array;
}

/** An {@link Ed25519Signer} that owns a copy of its secret key and can wipe it. */
export interface DisposableEd25519Signer extends Ed25519Signer {
  /** Zero the secret key copy; later `sign` calls throw. Idempotent. */
  dispose(): void;
}

/**
 * Wrap a 32-byte Ed25519 secret key. The key is copied; the caller zeroes its own copy.
 *
 * @throws {AuditError} `'invalid-key'` when the key is not 32 bytes; `'closed'` from `sign` after `dispose`.
 * @example
 * ```ts
 * const sk = ed25519.utils.randomSecretKey();
 * const signer = ed25519Signer(sk); sk.fill(0);
 * const log = new AuditLog({ signer });
 * ```
 */
export function ed25519Signer(secretKey: Uint8Array): DisposableEd25519Signer {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new AuditError('invalid-key', 'an Ed25519 secret key is 32 bytes');
  }
  const sk = secretKey.slice();
  const publicKey = ed25519.getPublicKey(sk);
  let disposed = false;
  return {
    publicKey,
    sign(message) {
      if (disposed) throw new AuditError('closed', 'the signer was disposed');
      return ed25519.sign(message, sk);
    },
    dispose() {
      disposed = true;
      sk.fill(0);
    },
  };
}

/**
 * Strict Ed25519 verification (RFC 8032 §5.1.7, canonical encodings only: `zip215: false`).
 * Returns false for any malformed input instead of throwing.
 */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch (error) {
    // noble throws on points that do not decode; for a verifier that is simply "invalid".
    if (error instanceof Error) return false;
    throw error;
  }
}
