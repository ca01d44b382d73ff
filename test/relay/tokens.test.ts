/** Join tokens: HMAC-SHA256 and Ed25519, expiry, tampering, wrong keys. */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signJoinToken, verifyJoinToken, JoinTokenError, type TokenKey, type TokenSigningKey } from '../../src/relay/index.js';

const secret = crypto.getRandomValues(new Uint8Array(32));
const sk = ed25519.utils.randomSecretKey();
const pk = ed25519.getPublicKey(sk);
const exp = Math.floor(Date.now() / 1000) + 60;

async function denied(token: string, key: TokenKey, now?: number): Promise<string> {
  try {
    await verifyJoinToken(token, key, now);
  } catch (e) {
    if (e instanceof JoinTokenError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('join tokens', () => {
  it('accepts a valid HMAC token and a valid Ed25519 token', async () => {
    const claims = { room: 'visit-42', peer: 'dr-who', exp };
    expect(await verifyJoinToken(await signJoinToken(claims, { hmacSecret: secret }), { hmacSecret: secret })).toEqual(claims);
    expect(await verifyJoinToken(await signJoinToken(claims, { ed25519SecretKey: sk }), { ed25519PublicKey: pk })).toEqual(claims);
  });

  it('rejects expired tokens, wrong keys, cross-algorithm use and short secrets', async () => {
    const t = await signJoinToken({ room: 'r', peer: 'p', exp }, { hmacSecret: secret });
    expect(await denied(t, { hmacSecret: secret }, (exp + 1) * 1000)).toBe('join-denied');
    expect(await denied(t, { hmacSecret: crypto.getRandomValues(new Uint8Array(32)) })).toBe('join-denied');
    expect(await denied(t, { ed25519PublicKey: pk })).toBe('join-denied');
    const e = await signJoinToken({ room: 'r', peer: 'p', exp }, { ed25519SecretKey: sk });
    expect(await denied(e, { ed25519PublicKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()) })).toBe('join-denied');
    await expect(signJoinToken({ room: 'r', peer: 'p', exp }, { hmacSecret: new Uint8Array(16) })).rejects.toMatchObject({ code: 'join-denied' });
    for (const junk of ['', '.', 'a.b.c', 'not base64!.x', '.AAAA']) expect(await denied(junk, { hmacSecret: secret })).toBe('join-denied');
  });

  it('rejects any single-character change to a token', async () => {
    for (const key of [{ hmacSecret: secret }, { ed25519SecretKey: sk }] as TokenSigningKey[]) {
      const verifyKey: TokenKey = 'hmacSecret' in key ? key : { ed25519PublicKey: pk };
      const t = await signJoinToken({ room: 'room', peer: 'peer', exp }, key);
      await fc.assert(fc.asyncProperty(fc.nat(t.length - 1), fc.constantFrom(...'ABCDEFabcdef0123-_'), async (i, ch) => {
        fc.pre(t[i] !== ch);
        const bad = t.slice(0, i) + ch + t.slice(i + 1);
        // Base64url's last character may carry unused bits: the decoded bytes can be identical.
        fc.pre(Buffer.from(bad.split('.')[1] ?? '', 'base64url').equals(Buffer.from(t.split('.')[1] ?? '', 'base64url')) === false || i < t.indexOf('.'));
        expect(await denied(bad, verifyKey)).toBe('join-denied');
      }), { numRuns: 100 });
    }
  });
});
