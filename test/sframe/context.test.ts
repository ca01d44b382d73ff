/**
 * SFrameContext: round trips, key lifecycle, counters (exhaustion, concurrency, never reused),
 * replay window behaviour.
 */
import { describe, expect, it } from 'vitest';
import { CipherSuite, SFrameContext, SFrameError, decodeHeader, open } from '../../src/sframe/index.js';
import { ReplayWindow, SendCounter } from '../../src/sframe/counter.js';

const EMPTY = new Uint8Array(0);
const key = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

async function pair(opts: ConstructorParameters<typeof SFrameContext>[0] = {}, kid = 5n) {
  const tx = new SFrameContext(opts);
  const rx = new SFrameContext(opts);
  await tx.addEncryptKey(kid, key(1));
  await rx.addDecryptKey(kid, key(1));
  return { tx, rx };
}

describe('SFrameContext basics', () => {
  it('defaults to AES_256_GCM_SHA512_128 and a 128-frame window', () => {
    const c = new SFrameContext();
    expect(c.suite).toBe(CipherSuite.AES_256_GCM_SHA512_128);
    expect(c.replayWindow).toBe(128);
  });

  it.each(Object.entries(CipherSuite))('round-trips under %s, interoperable with open()', async (_name, suite) => {
    const { tx, rx } = await pair({ suite });
    const meta = bytes(0x90, 0x01);
    const f0 = await tx.encrypt(5n, meta, bytes(1, 2, 3));
    const f1 = await tx.encrypt(5n, meta, bytes(4, 5));
    expect(decodeHeader(f0)).toMatchObject({ kid: 5n, ctr: 0n });
    expect(decodeHeader(f1)).toMatchObject({ kid: 5n, ctr: 1n });
    const r1 = await rx.decrypt(meta, f1);
    expect(r1).toEqual({ kid: 5n, ctr: 1n, plaintext: bytes(4, 5) });
    expect((await rx.decrypt(meta, f0)).plaintext).toEqual(bytes(1, 2, 3));
    expect((await open({ suite, baseKey: key(1), metadata: meta, sframe: f0 })).plaintext).toEqual(bytes(1, 2, 3));
  });

  it('returns frames that own their whole ArrayBuffer', async () => {
    for (const suite of Object.values(CipherSuite)) {
      const { tx, rx } = await pair({ suite });
      const f = await tx.encrypt(5n, bytes(7), bytes(1, 2, 3));
      expect([f.byteOffset, f.byteLength]).toEqual([0, f.buffer.byteLength]);
      const { plaintext } = await rx.decrypt(bytes(7), f);
      expect([plaintext.byteOffset, plaintext.byteLength]).toEqual([0, plaintext.buffer.byteLength]);
    }
  });

  it('rejects an unknown KID on both sides', async () => {
    const { tx, rx } = await pair();
    await expect(tx.encrypt(6n, EMPTY, bytes(1))).rejects.toMatchObject({ code: 'unknown-key' });
    const other = new SFrameContext();
    await other.addEncryptKey(6n, key(1));
    await expect(rx.decrypt(EMPTY, await other.encrypt(6n, EMPTY, bytes(1)))).rejects.toMatchObject({ code: 'unknown-key' });
  });

  it('copies the base key: zeroing the caller copy right after the call changes nothing', async () => {
    const tx = new SFrameContext();
    const rx = new SFrameContext();
    const k = key(9);
    const adding = tx.addEncryptKey(1n, k);
    k.fill(0);
    await adding;
    await rx.addDecryptKey(1n, key(9));
    expect((await rx.decrypt(EMPTY, await tx.encrypt(1n, EMPTY, bytes(3)))).plaintext).toEqual(bytes(3));
  });

  it('lets encrypt/decrypt be called before the key derivation finished', async () => {
    const tx = new SFrameContext();
    const rx = new SFrameContext();
    void tx.addEncryptKey(1n, key(2));
    void rx.addDecryptKey(1n, key(2));
    expect(tx.hasKey(1n)).toBe(true);
    const f = await tx.encrypt(1n, EMPTY, bytes(8));
    expect((await rx.decrypt(EMPTY, f)).plaintext).toEqual(bytes(8));
  });

  it('removeKey forgets the key; hasKey tracks it', async () => {
    const { tx, rx } = await pair();
    const f = await tx.encrypt(5n, EMPTY, bytes(1));
    expect(rx.hasKey(5n)).toBe(true);
    rx.removeKey(5n);
    expect(rx.hasKey(5n)).toBe(false);
    await expect(rx.decrypt(EMPTY, f)).rejects.toMatchObject({ code: 'unknown-key' });
    tx.removeKey(5n);
    await expect(tx.encrypt(5n, EMPTY, bytes(1))).rejects.toMatchObject({ code: 'unknown-key' });
    rx.removeKey(99n); // unknown KID: no-op
  });

  it('fails a frame in flight when its key is removed (fail closed)', async () => {
    const { tx, rx } = await pair();
    const f = await tx.encrypt(5n, EMPTY, bytes(1));
    const pending = rx.decrypt(EMPTY, f);
    rx.removeKey(5n);
    await expect(pending).rejects.toMatchObject({ code: 'unknown-key' });
  });

  it('clear() removes every key', async () => {
    const c = new SFrameContext();
    await c.addEncryptKey(1n, key(1));
    await c.addDecryptKey(2n, key(2));
    c.clear();
    expect([c.hasKey(1n), c.hasKey(2n)]).toEqual([false, false]);
  });

  it('replacing a decrypt key switches to the new key', async () => {
    const rx = new SFrameContext();
    const a = new SFrameContext();
    const b = new SFrameContext();
    await a.addEncryptKey(3n, key(0xa));
    await b.addEncryptKey(3n, key(0xb));
    await rx.addDecryptKey(3n, key(0xa));
    expect((await rx.decrypt(EMPTY, await a.encrypt(3n, EMPTY, bytes(1)))).plaintext).toEqual(bytes(1));
    await rx.addDecryptKey(3n, key(0xb));
    await expect(rx.decrypt(EMPTY, await a.encrypt(3n, EMPTY, bytes(2)))).rejects.toMatchObject({ code: 'auth-failed' });
    // The window is kept across re-adds (one KID names one key, RFC 9605 §4.4.1), so b's CTR 0 is
    // a replay of a's CTR 0; its later frames pass.
    await expect(rx.decrypt(EMPTY, await b.encrypt(3n, EMPTY, bytes(3)))).rejects.toMatchObject({ code: 'replay' });
    expect((await rx.decrypt(EMPTY, await b.encrypt(3n, EMPTY, bytes(4)))).plaintext).toEqual(bytes(4));
  });

  it('validates its options and arguments', async () => {
    expect(() => new SFrameContext({ suite: 6 })).toThrow(expect.objectContaining({ code: 'unsupported-suite' }));
    expect(() => new SFrameContext({ replayWindow: -1 })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => new SFrameContext({ replayWindow: 1.5 })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => new SFrameContext({ counterLimit: 2n ** 23n })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    const c = new SFrameContext();
    await expect(c.addEncryptKey(2n ** 64n, key(1))).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(c.addEncryptKey(-1n, key(1))).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(c.addDecryptKey(1n, new Uint8Array(15))).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(c.hasKey(1n)).toBe(false);
  });
});

describe('send counter', () => {
  it('concurrent encrypts never share a counter', async () => {
    const { tx, rx } = await pair();
    const frames = await Promise.all(Array.from({ length: 200 }, (_, i) => tx.encrypt(5n, EMPTY, bytes(i & 0xff))));
    const ctrs = frames.map((f) => decodeHeader(f).ctr);
    expect(new Set(ctrs).size).toBe(200);
    expect([...ctrs].sort((a, b) => (a < b ? -1 : 1))).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i)));
    // …and each frame decrypts to the plaintext it was given.
    const pts = await Promise.all(frames.map((f) => rx.decrypt(EMPTY, f)));
    pts.forEach((p, i) => expect(p.plaintext).toEqual(bytes(i & 0xff)));
  });

  it('keeps counting when a KID is re-added, also after removal', async () => {
    const tx = new SFrameContext();
    await tx.addEncryptKey(1n, key(1));
    await tx.encrypt(1n, EMPTY, bytes(0));
    await tx.addEncryptKey(1n, key(1));
    expect(decodeHeader(await tx.encrypt(1n, EMPTY, bytes(0))).ctr).toBe(1n);
    tx.removeKey(1n);
    await tx.addEncryptKey(1n, key(1));
    expect(decodeHeader(await tx.encrypt(1n, EMPTY, bytes(0))).ctr).toBe(2n);
  });

  it('throws counter-exhausted at the configured limit, before reuse', async () => {
    const { tx } = await pair({ counterLimit: 2n });
    for (let i = 0; i < 3; i++) await tx.encrypt(5n, EMPTY, bytes(i));
    await expect(tx.encrypt(5n, EMPTY, bytes(9))).rejects.toMatchObject({ code: 'counter-exhausted' });
    await expect(tx.encrypt(5n, EMPTY, bytes(9))).rejects.toBeInstanceOf(SFrameError);
  });

  it('SendCounter stops exactly at 2^64 − 1 without wrapping', () => {
    const c = new SendCounter(2n ** 64n - 2n, 2n ** 64n - 1n);
    expect(c.next()).toBe(2n ** 64n - 2n);
    expect(c.next()).toBe(2n ** 64n - 1n);
    expect(() => c.next()).toThrow(expect.objectContaining({ code: 'counter-exhausted' }));
    expect(() => c.next()).toThrow(expect.objectContaining({ code: 'counter-exhausted' }));
    expect(c.peek()).toBe(2n ** 64n);
  });
});

describe('replay window', () => {
  it('rejects an exact replay and accepts reordering inside the window', async () => {
    const { tx, rx } = await pair();
    const f = await Promise.all([0, 1, 2, 3].map(() => tx.encrypt(5n, EMPTY, bytes(1))));
    await rx.decrypt(EMPTY, f[2]!);
    await expect(rx.decrypt(EMPTY, f[2]!)).rejects.toMatchObject({ code: 'replay' });
    await rx.decrypt(EMPTY, f[0]!);
    await rx.decrypt(EMPTY, f[3]!);
    await rx.decrypt(EMPTY, f[1]!);
    for (const x of f) await expect(rx.decrypt(EMPTY, x)).rejects.toMatchObject({ code: 'replay' });
  });

  it('rejects two concurrent copies of one frame: exactly one is accepted', async () => {
    const { tx, rx } = await pair();
    const f = await tx.encrypt(5n, EMPTY, bytes(1));
    const results = await Promise.allSettled([rx.decrypt(EMPTY, f), rx.decrypt(EMPTY, f.slice()), rx.decrypt(EMPTY, f.slice())]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'replay' });
  });

  it('rejects frames older than the window', async () => {
    const { tx, rx } = await pair({ replayWindow: 4 });
    const f = [];
    for (let i = 0; i < 10; i++) f.push(await tx.encrypt(5n, EMPTY, bytes(i)));
    await rx.decrypt(EMPTY, f[9]!); // top = 9; window covers 6…9
    await expect(rx.decrypt(EMPTY, f[5]!)).rejects.toMatchObject({ code: 'replay' });
    await expect(rx.decrypt(EMPTY, f[0]!)).rejects.toMatchObject({ code: 'replay' });
    expect((await rx.decrypt(EMPTY, f[6]!)).ctr).toBe(6n);
  });

  it('a forged frame does not move the window', async () => {
    const { tx, rx } = await pair();
    const f0 = await tx.encrypt(5n, EMPTY, bytes(1));
    const later = [];
    for (let i = 0; i < 300; i++) later.push(await tx.encrypt(5n, EMPTY, bytes(1)));
    const forged = later[299]!.slice();
    forged[forged.length - 1]! ^= 1;
    await expect(rx.decrypt(EMPTY, forged)).rejects.toMatchObject({ code: 'auth-failed' });
    expect((await rx.decrypt(EMPTY, f0)).ctr).toBe(0n); // still inside the window
    expect((await rx.decrypt(EMPTY, later[299]!)).ctr).toBe(300n); // the genuine one still passes
  });

  it('keeps the window when a decrypt key is re-added', async () => {
    const { tx, rx } = await pair();
    const f = await tx.encrypt(5n, EMPTY, bytes(1));
    await rx.decrypt(EMPTY, f);
    await rx.addDecryptKey(5n, key(1));
    await expect(rx.decrypt(EMPTY, f)).rejects.toMatchObject({ code: 'replay' });
  });

  it('ReplayWindow model: matches a reference set over random sequences', () => {
    const size = 16;
    const w = new ReplayWindow(size);
    const seen = new Set<bigint>();
    let top = -1n;
    let seed = 12345;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const ctr = BigInt(Math.max(0, Number(top) + (seed % 40) - 30));
      const expected = ctr > top || (top - ctr < BigInt(size) && !seen.has(ctr));
      expect(w.accept(ctr)).toBe(expected);
      if (expected) {
        seen.add(ctr);
        if (ctr > top) top = ctr;
      }
    }
  });

  it('window 0 accepts only strictly increasing counters', () => {
    const w = new ReplayWindow(0);
    expect([w.accept(3n), w.accept(3n), w.accept(2n), w.accept(4n)]).toEqual([true, false, false, true]);
  });
});

describe('key hygiene', () => {
  it('retiring a prepared key zeroes its salt and bars further use', async () => {
    const { prepareFrameKey, retireFrameKey } = await import('../../src/sframe/frame.js');
    const { suiteParams } = await import('../../src/sframe/suites.js');
    const base = key(4);
    const k = await prepareFrameKey(suiteParams(CipherSuite.AES_256_GCM_SHA512_128), base, 1n);
    expect(k.salt.some((b) => b !== 0)).toBe(true);
    retireFrameKey(k);
    expect(k.retired).toBe(true);
    expect(k.salt.every((b) => b === 0)).toBe(true);
    expect(base).toEqual(key(4)); // the base key given is the caller's to zero
  });

  it('a key replaced while frames wait for its derivation fails those frames closed', async () => {
    const tx = new SFrameContext();
    const first = tx.addEncryptKey(1n, key(1));
    const early = tx.encrypt(1n, EMPTY, bytes(1)); // waits for the first derivation
    const replaced = tx.addEncryptKey(1n, key(2));
    await expect(early).rejects.toMatchObject({ code: 'unknown-key' });
    await Promise.all([first, replaced]);
    expect(decodeHeader(await tx.encrypt(1n, EMPTY, bytes(1))).ctr).toBe(1n); // CTR 0 was spent
  });
});
