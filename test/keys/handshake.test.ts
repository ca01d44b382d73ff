import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/keys/bytes.js';
import { createEphemeral, deriveChannelKeys, sharedSecret, transcript } from '../../src/keys/handshake.js';
import { createIdentity } from '../../src/keys/index.js';
import { hex, loadVectors, toHex } from '../helpers/vectors.js';

interface Rfc7748 { diffie_hellman: Record<string, string> }
interface WpX { tests: { tcId: bigint; flags: string[]; public: string; private: string; shared: string; result: string }[] }

describe('X25519 key agreement', () => {
  it('RFC 7748 §6.1 Diffie-Hellman example', () => {
    const v = loadVectors<Rfc7748>('x25519-rfc7748.json').diffie_hellman;
    expect(toHex(x25519.getPublicKey(hex(v.alice_private!)))).toBe(v.alice_public);
    expect(toHex(sharedSecret(hex(v.alice_private!), hex(v.bob_public!)))).toBe(v.shared_secret);
    expect(toHex(sharedSecret(hex(v.bob_private!), hex(v.alice_public!)))).toBe(v.shared_secret);
  });

  const wp = loadVectors<WpX>('x25519-wycheproof-subset.json');
  for (const t of wp.tests) {
    const zero = /^0+$/.test(t.shared);
    it(`Wycheproof tc ${t.tcId} (${t.flags.join(',')}): ${zero ? 'rejected as low order' : 'computes the shared secret'}`, () => {
      if (zero) {
        expect(() => sharedSecret(hex(t.private), hex(t.public))).toThrowError(expect.objectContaining({ code: 'low-order-point' }));
      } else {
        expect(toHex(sharedSecret(hex(t.private), hex(t.public)))).toBe(t.shared);
      }
    });
  }
  it('the subset holds both kinds of case', () => {
    expect(wp.tests.some((t) => /^0+$/.test(t.shared))).toBe(true);
    expect(wp.tests.some((t) => t.result === 'valid')).toBe(true);
  });
});

describe('channel key derivation', () => {
  it('is symmetric: one side sends with what the other receives with; directions differ', async () => {
    const [ea, eb] = [await createEphemeral(), await createEphemeral()];
    const a = { id: 'alice', idk: createIdentity().publicKey, eph: ea.publicKey };
    const b = { id: 'bob', idk: createIdentity().publicKey, eph: eb.publicKey };
    const ka = await deriveChannelKeys('r', a, ea.secretKey, b);
    const kb = await deriveChannelKeys('r', b, eb.secretKey, a);
    expect(ka.send).toEqual(kb.receive);
    expect(ka.receive).toEqual(kb.send);
    expect(ka.send).not.toEqual(ka.receive);
    const other = await deriveChannelKeys('other-room', a, ea.secretKey, b);
    expect(other.send).not.toEqual(ka.send);
    ea.destroy();
    expect(ea.secretKey.every((x) => x === 0)).toBe(true);
  });

  it('rejects a low-order peer key before deriving anything', async () => {
    const ea = await createEphemeral();
    const a = { id: 'a', idk: new Uint8Array(32), eph: ea.publicKey };
    const zeroPoint = { id: 'b', idk: new Uint8Array(32), eph: new Uint8Array(32) };
    await expect(deriveChannelKeys('r', a, ea.secretKey, zeroPoint)).rejects.toMatchObject({ code: 'low-order-point' });
  });

  it('the transcript binds every field: changing any one changes the signed bytes', () => {
    const base = { id: 'a', idk: new Uint8Array(32).fill(1), eph: new Uint8Array(32).fill(2), name: 'n', att: new Uint8Array(0) };
    const peer = { id: 'b', idk: new Uint8Array(32).fill(3), commit: new Uint8Array(32).fill(4) };
    const t0 = toHex(transcript('r', base, peer));
    const variants = [
      transcript('r2', base, peer),
      transcript('r', { ...base, id: 'a2' }, peer),
      transcript('r', { ...base, idk: new Uint8Array(32).fill(9) }, peer),
      transcript('r', { ...base, eph: new Uint8Array(32).fill(9) }, peer),
      transcript('r', { ...base, name: 'm' }, peer),
      transcript('r', { ...base, att: new Uint8Array(64) }, peer),
      transcript('r', base, { ...peer, id: 'c' }),
      transcript('r', base, { ...peer, idk: new Uint8Array(32).fill(9) }),
      transcript('r', base, { ...peer, commit: new Uint8Array(32).fill(9) }),
      // Moving bytes between adjacent variable-length fields must not collide.
      transcript('r', { ...base, id: 'ab', name: '' }, { ...peer }),
    ];
    for (const v of variants) expect(toHex(v)).not.toBe(t0);
    expect(toHex(transcript('r', base, peer))).toBe(t0);
    expect(concat().length).toBe(0);
  });
});
