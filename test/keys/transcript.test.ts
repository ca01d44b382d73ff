/**
 * The relay's full transcript contains none of the secrets the test can observe: every HKDF
 * input and output (X25519 shared secrets, channel keys, ratcheted media keys), every random
 * 32-byte media base key, and the SFrame keys and salts derived from every base key.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deriveKeyMaterial } from '../../src/sframe/index.js';
import { closeAll, member, room, settle, until, type Member } from './helpers.js';

const secrets: Uint8Array[] = [];
vi.mock('../../src/keys/crypto.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/keys/crypto.js')>();
  return {
    ...orig,
    hkdf: async (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) => {
      secrets.push(new Uint8Array(ikm));
      const out = await orig.hkdf(ikm, salt, info, length);
      secrets.push(new Uint8Array(out));
      return out;
    },
    randomBytes: (n: number) => {
      const out = orig.randomBytes(n);
      if (n >= 16) secrets.push(new Uint8Array(out));
      return out;
    },
  };
});

let live: Member[] = [];
afterEach(async () => {
  await closeAll(live);
  live = [];
});

const WINDOW = 12;
function windows(transcript: Uint8Array[]): Set<string> {
  const set = new Set<string>();
  for (const d of transcript) for (let i = 0; i + WINDOW <= d.length; i++) set.add(Buffer.from(d.subarray(i, i + WINDOW)).toString('hex'));
  return set;
}
function leaks(secret: Uint8Array, wire: Set<string>): boolean {
  for (let i = 0; i + WINDOW <= secret.length; i++) if (wire.has(Buffer.from(secret.subarray(i, i + WINDOW)).toString('hex'))) return true;
  return false;
}

describe('no key bytes on the wire', () => {
  it('the search finds a secret that is on the wire (the test can fail)', () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const wire = windows([new Uint8Array([1, 2, 3, ...secret, 4])]);
    expect(leaks(secret, wire)).toBe(true);
    expect(leaks(crypto.getRandomValues(new Uint8Array(32)), wire)).toBe(false);
  });

  it('a call with joins, a leave, app messages and rekeys leaks none of its secrets to the relay', async () => {
    const { hub, members } = await room(3, { rekeyIntervalMs: 60 });
    live = [...members];
    const d = member(hub, 'm3', { rekeyIntervalMs: 60 });
    live.push(d);
    await d.session.start();
    await until(hub, live, () => live.every((m) => m.session.peers.size === 3 && m.delivered > 0));
    members[0]!.session.sendToPeer('m1', new TextEncoder().encode('v=0 o=- sdp with ice candidates'));
    await members[2]!.session.close();
    const remaining = live.filter((m) => m !== members[2]);
    await until(hub, remaining, () => remaining.every((m) => m.session.peers.size === 2 && m.session.epoch >= 3));
    await settle(hub, live);

    const seen = live.flatMap((m) => m.keysSeen);
    const baseKeys = seen.map((k) => k.key);
    const derived: Uint8Array[] = [];
    for (const { kid, key } of seen) {
      const km = await deriveKeyMaterial(5, key, kid); // the default suite, AES_256_GCM_SHA512_128
      derived.push(km.key, km.salt);
    }
    const all = [...secrets, ...baseKeys, ...derived];
    expect(baseKeys.length).toBeGreaterThan(20);
    expect(secrets.length).toBeGreaterThan(50);
    const wire = windows(hub.transcript.map((e) => e.data));
    expect(hub.transcript.length).toBeGreaterThan(50);
    const leaked = all.filter((s) => leaks(s, wire));
    expect(leaked).toEqual([]);
  });
});
