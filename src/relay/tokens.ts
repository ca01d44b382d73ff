/**
 * Join tokens: the app's server vouches that `peer` may join `room` until `exp`.
 *
 * ```
 *  token = base64url(claims JSON) "." base64url(signature)
 *  claims = {"room": string, "peer": string, "exp": seconds since 1970}
 *  signature over the ASCII bytes of  "sealrtc-join-v1." ‖ base64url(claims JSON)
 *    HMAC-SHA256 with a shared secret (≥ 32 bytes), or Ed25519 (RFC 8032) with the app server's key
 * ```
 *
 * The prefix separates these signatures from anything else the same key may sign. The relay
 * never logs tokens. Tokens are bearer credentials scoped to one room and peer; keep `exp` short.
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { SealError } from '../errors.js';

/** What a join token grants. */
export interface JoinClaims {
  room: string;
  peer: string;
  /** Expiry, seconds since the Unix epoch. */
  exp: number;
}

/** How the relay (or the app server) checks / signs tokens. */
export type TokenKey = { hmacSecret: Uint8Array } | { ed25519PublicKey: Uint8Array };
/** Signing side of {@link TokenKey}. */
export type TokenSigningKey = { hmacSecret: Uint8Array } | { ed25519SecretKey: Uint8Array };

/**
 * A token was malformed, badly signed, expired or for another room/peer (always `'join-denied'`;
 * the message says which check failed, never the token).
 *
 * @example
 * ```ts
 * try { await verifyJoinToken(token, { hmacSecret }); }
 * catch (e) { if (e instanceof JoinTokenError) res.sendStatus(403); }
 * ```
 */
export class JoinTokenError extends SealError<'join-denied'> {
  constructor(message: string) {
    super('join-denied', message);
  }
}

const PREFIX = 'sealrtc-join-v1.';
const enc = new TextEncoder();

function b64u(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}
function unb64u(s: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new JoinTokenError('token is not base64url');
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

async function hmacKey(secret: Uint8Array, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  if (secret.length < 32) throw new JoinTokenError('HMAC secret must be at least 32 bytes');
  return crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/**
 * Mint a join token (run this on the app's server, after authenticating the user).
 *
 * @throws {JoinTokenError} `'join-denied'` when the HMAC secret is shorter than 32 bytes.
 * @example
 * ```ts
 * const token = await signJoinToken({ room: 'visit-42', peer: user.id, exp: Math.floor(Date.now() / 1000) + 60 },
 *   { hmacSecret: Buffer.from(process.env.SEALRTC_TOKEN_SECRET!, 'base64') });
 * ```
 */
export async function signJoinToken(claims: JoinClaims, key: TokenSigningKey): Promise<string> {
  const body = b64u(enc.encode(JSON.stringify({ room: claims.room, peer: claims.peer, exp: claims.exp })));
  const input = enc.encode(PREFIX + body);
  const sig = 'hmacSecret' in key
    ? new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(key.hmacSecret, 'sign'), input))
    : ed25519.sign(input, key.ed25519SecretKey);
  return `${body}.${b64u(sig)}`;
}

/**
 * Check a token and return its claims. Expiry is checked here; room/peer matching by the caller.
 *
 * @throws {JoinTokenError} `'join-denied'` for any malformed, badly signed or expired token.
 * @example
 * ```ts
 * const { room, peer } = await verifyJoinToken(token, { hmacSecret });
 * ```
 */
export async function verifyJoinToken(token: string, key: TokenKey, nowMs = Date.now()): Promise<JoinClaims> {
  const parts = token.split('.');
  if (parts.length !== 2) throw new JoinTokenError('token must have two parts');
  const [body, sigText] = parts as [string, string];
  const sig = unb64u(sigText);
  const input = enc.encode(PREFIX + body);
  let ok: boolean;
  if ('hmacSecret' in key) {
    ok = await crypto.subtle.verify('HMAC', await hmacKey(key.hmacSecret, 'verify'), sig, input);
  } else {
    // zip215: false → strict RFC 8032 checks (no non-canonical encodings).
    ok = sig.length === 64 && ed25519.verify(sig, input, key.ed25519PublicKey, { zip215: false });
  }
  if (!ok) throw new JoinTokenError('bad token signature');
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(unb64u(body)));
  } catch (cause) {
    if (cause instanceof JoinTokenError) throw cause;
    throw new JoinTokenError('token claims are not JSON');
  }
  const c = claims as Partial<JoinClaims> | null;
  if (!c || typeof c.room !== 'string' || typeof c.peer !== 'string' || typeof c.exp !== 'number' || !Number.isFinite(c.exp)) {
    throw new JoinTokenError('token claims are incomplete');
  }
  if (c.exp * 1000 <= nowMs) throw new JoinTokenError('token expired');
  return { room: c.room, peer: c.peer, exp: c.exp };
}
