import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  attestCard,
  createIdentity,
  exportIdentity,
  importIdentity,
  KeyError,
  verifyCard,
  withAttestation,
} from '../../src/keys/index.js';
import { verifyStrict } from '../../src/keys/identity.js';
import { hex, loadVectors } from '../helpers/vectors.js';

interface RfcVectors { vectors: { name: string; secret_key: string; public_key: string; message: string; signature: string }[] }
interface WpVectors { tests: { tcId: bigint; comment: string; flags: string[]; msg: string; sig: string; result: string; publicKey: string }[] }

const code = (f: () => unknown) => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as KeyError).code;
  }
};

describe('Ed25519 verification (RFC 8032 strict)', () => {
  const rfc = loadVectors<RfcVectors>('ed25519-rfc8032.json');
  for (const v of rfc.vectors) {
    it(`RFC 8032 §7.1 ${v.name}: signs and verifies`, () => {
      expect(ed25519.sign(hex(v.message), hex(v.secret_key))).toEqual(hex(v.signature));
      expect(verifyStrict(hex(v.signature), hex(v.message), hex(v.public_key))).toBe(true);
      const bad = hex(v.signature);
      bad[0] = bad[0]! ^ 1;
      expect(verifyStrict(bad, hex(v.message), hex(v.public_key))).toBe(false);
    });
  }
  const wp = loadVectors<WpVectors>('ed25519-wycheproof-subset.json');
  for (const t of wp.tests) {
    it(`Wycheproof tc ${t.tcId} (${t.flags.join(',')}) → ${t.result}`, () => {
      expect(verifyStrict(hex(t.sig), hex(t.msg), hex(t.publicKey))).toBe(t.result === 'valid');
    });
  }
});

describe('identity', () => {
  it('signs with the key it publishes, and exports/imports losslessly', () => {
    const me = createIdentity({ displayName: 'Dr. Rivera' });
    const msg = new TextEncoder().encode('hello');
    expect(verifyStrict(me.sign(msg), msg, me.publicKey)).toBe(true);
    const blob = exportIdentity(me);
    const again = importIdentity(blob);
    expect(again.publicKey).toEqual(me.publicKey);
    expect(again.displayName).toBe('Dr. Rivera');
    expect(verifyStrict(again.sign(msg), msg, me.publicKey)).toBe(true);
    expect(createIdentity().publicKey).not.toEqual(me.publicKey);
  });

  it('refuses card fields that could never travel in a handshake', () => {
    expect(code(() => createIdentity({ displayName: 'x'.repeat(129) }))).toBe('invalid-identity');
    expect(code(() => createIdentity({ displayName: 'x'.repeat(128) }))).toBeUndefined();
    expect(code(() => createIdentity({ attestation: new Uint8Array(63) }))).toBe('invalid-identity');
    expect(code(() => withAttestation(createIdentity(), new Uint8Array(65)))).toBe('invalid-identity');
  });

  it('rejects garbage and foreign objects on import/export', () => {
    expect(code(() => importIdentity(new Uint8Array([1, 2, 3])))).toBe('invalid-identity');
    expect(code(() => importIdentity(new Uint8Array(0)))).toBe('invalid-identity');
    const blob = exportIdentity(createIdentity());
    expect(code(() => importIdentity(blob.subarray(0, blob.length - 3)))).toBe('invalid-identity');
    const fake = { publicKey: new Uint8Array(32), card: { publicKey: new Uint8Array(32) }, sign: () => new Uint8Array(64) };
    expect(code(() => exportIdentity(fake))).toBe('invalid-identity');
  });

  it('never exposes the secret key on the identity object', () => {
    const me = createIdentity();
    const blob = exportIdentity(me);
    const seed = blob.subarray(blob.indexOf(0xc4) + 2, blob.indexOf(0xc4) + 34);
    const visible = JSON.stringify(Object.entries(me), (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v));
    expect(visible).not.toContain(Array.from(seed).join(','));
  });

  it('attestation: verifies under the server key, fails under another key or after tampering', () => {
    const server = ed25519.utils.randomSecretKey();
    const serverPub = ed25519.getPublicKey(server);
    const me = createIdentity({ displayName: 'nurse' });
    const attested = withAttestation(me, attestCard(me.card, server));
    expect(verifyCard(attested.card, serverPub)).toBe(true);
    expect(verifyCard(me.card, serverPub)).toBe(false);
    expect(verifyCard(attested.card, ed25519.getPublicKey(ed25519.utils.randomSecretKey()))).toBe(false);
    expect(verifyCard({ ...attested.card, displayName: 'doctor' }, serverPub)).toBe(false);
    expect(verifyCard({ ...attested.card, publicKey: createIdentity().publicKey }, serverPub)).toBe(false);
    expect(importIdentity(exportIdentity(attested)).attestation).toEqual(attested.attestation);
  });
});
