/**
 * Audit trail: every tampering case fails verification, PHI-shaped details are refused at
 * `append`, and sink failures never lose the in-memory entry.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuditError, AuditLog, ed25519Signer, verifyAuditLog } from '../../../src/room/audit/index.js';
import type { AuditEntry, AuditSink } from '../../../src/room/audit/index.js';
import { genesisHash, hashBody, signedMessage, toHex } from '../../../src/room/audit/encoding.js';

const SK = new Uint8Array(32).fill(7);
const OTHER_SK = new Uint8Array(32).fill(9);

function newLog(sink?: AuditSink, secretKey = SK): AuditLog {
  let t = 1_764_000_000_000;
  return new AuditLog({ signer: ed25519Signer(secretKey), now: () => (t += 1000), ...(sink ? { sink } : {}) });
}

async function sampleLog(): Promise<AuditLog> {
  const log = newLog();
  await log.append('joined', { participantId: 'alice', role: 'host' });
  await log.append('admitted', { participantId: 'bob', by: 'alice' });
  await log.append('epoch-changed', { participantId: 'alice', epoch: 1, reason: 'join' });
  await log.append('verification-compared', { participantId: 'bob', method: 'sas', result: 'match' });
  await log.append('decryption-failure-burst', { participantId: 'bob', count: 12, windowMs: 5000 });
  await log.append('logged-off', { participantId: 'alice', reason: 'idle' });
  return log;
}

const lines = (log: AuditLog) => log.export().trimEnd().split('\n');
const parse = (line: string) => JSON.parse(line) as Record<string, unknown> & { details: Record<string, unknown> };

/** Re-hash and re-sign a (modified) entry body with `secretKey`: what a forger with that key can do. */
async function forge(body: Omit<AuditEntry, 'hash' | 'sig'>, secretKey: Uint8Array): Promise<string> {
  const hash = await hashBody(body);
  const sig = toHex(ed25519.sign(signedMessage(hash), secretKey));
  return JSON.stringify({ ...body, hash, sig });
}

describe('AuditLog + verifyAuditLog', () => {
  it('an untouched export verifies and round-trips every entry', async () => {
    const log = await sampleLog();
    const result = await verifyAuditLog(log.export(), log.publicKey, { expectedLastHash: log.lastHash! });
    expect(result).toEqual({ ok: true, entries: log.entries() });
    expect(log.entries().map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await verifyAuditLog(lines(log), log.publicKey)).ok).toBe(true);
  });

  it('edited detail fails with bad-hash at that record', async () => {
    const ls = lines(await sampleLog());
    const e = parse(ls[2]!);
    e.details.epoch = 2;
    ls[2] = JSON.stringify(e);
    expect(await verifyAuditLog(ls, ed25519.getPublicKey(SK))).toEqual({ ok: false, index: 2, reason: 'bad-hash' });
  });

  it('edited time fails with bad-hash', async () => {
    const ls = lines(await sampleLog());
    const e = parse(ls[4]!);
    e.time = (e.time as number) - 60_000;
    ls[4] = JSON.stringify(e);
    expect(await verifyAuditLog(ls, ed25519.getPublicKey(SK))).toEqual({ ok: false, index: 4, reason: 'bad-hash' });
  });

  it('removed record (middle, head) fails; renumbering does not help', async () => {
    const pk = ed25519.getPublicKey(SK);
    const ls = lines(await sampleLog());
    expect(await verifyAuditLog([...ls.slice(0, 3), ...ls.slice(4)], pk)).toEqual({ ok: false, index: 3, reason: 'bad-seq' });
    expect(await verifyAuditLog(ls.slice(1), pk)).toEqual({ ok: false, index: 0, reason: 'bad-seq' });
    // Truncation from the middle, then renumber seq to hide the gap: the chain link breaks.
    const renumbered = [...ls.slice(0, 2), ...ls.slice(4)].map((l, i) => JSON.stringify({ ...parse(l), seq: i }));
    const r = await verifyAuditLog(renumbered, pk);
    expect(r).toMatchObject({ ok: false, index: 2 });
  });

  it('inserted forged record fails even with a correct chain link and hash', async () => {
    const pk = ed25519.getPublicKey(SK);
    const ls = lines(await sampleLog());
    const prev = parse(ls[2]!);
    const forged = await forge(
      { v: 1, seq: 3, time: (prev.time as number) + 1, type: 'admitted', details: { participantId: 'mallory' }, prevHash: prev.hash as string },
      OTHER_SK,
    );
    expect(await verifyAuditLog([...ls.slice(0, 3), forged], pk)).toEqual({ ok: false, index: 3, reason: 'bad-signature' });
  });

  it('reordered records fail (swapped, or swapped and renumbered)', async () => {
    const pk = ed25519.getPublicKey(SK);
    const ls = lines(await sampleLog());
    const swapped = [ls[0]!, ls[2]!, ls[1]!, ...ls.slice(3)];
    expect(await verifyAuditLog(swapped, pk)).toEqual({ ok: false, index: 1, reason: 'bad-seq' });
    const renumbered = swapped.map((l, i) => JSON.stringify({ ...parse(l), seq: i }));
    expect(await verifyAuditLog(renumbered, pk)).toEqual({ ok: false, index: 1, reason: 'bad-prev-hash' });
  });

  it('a log re-signed with another key fails under the real key; a whole forged chain too', async () => {
    const pk = ed25519.getPublicKey(SK);
    const ls = lines(await sampleLog());
    const resigned = ls.map((l) => {
      const e = parse(l);
      return JSON.stringify({ ...e, sig: toHex(ed25519.sign(signedMessage(e.hash as string), OTHER_SK)) });
    });
    expect(await verifyAuditLog(resigned, pk)).toEqual({ ok: false, index: 0, reason: 'bad-signature' });
    const forgedLog = newLog(undefined, OTHER_SK);
    await forgedLog.append('joined', { participantId: 'alice', role: 'host' });
    expect(await verifyAuditLog(forgedLog.export(), pk)).toEqual({ ok: false, index: 0, reason: 'bad-prev-hash' });
  });

  it('a non-canonical signature (S + L) is rejected', async () => {
    const pk = ed25519.getPublicKey(SK);
    const ls = lines(await sampleLog());
    const e = parse(ls[0]!);
    const sig = Uint8Array.from(Buffer.from(e.sig as string, 'hex'));
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    s += L;
    for (let i = 0; i < 32; i++) sig[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    ls[0] = JSON.stringify({ ...e, sig: toHex(sig) });
    expect(await verifyAuditLog(ls, pk)).toEqual({ ok: false, index: 0, reason: 'bad-signature' });
  });

  it('a dropped tail passes alone but fails against the anchored last hash', async () => {
    const log = await sampleLog();
    const ls = lines(log);
    const anchored = log.lastHash!;
    expect((await verifyAuditLog(ls.slice(0, 4), log.publicKey)).ok).toBe(true);
    expect(await verifyAuditLog(ls.slice(0, 4), log.publicKey, { expectedLastHash: anchored })).toEqual({
      ok: false,
      index: 4,
      reason: 'last-hash-mismatch',
    });
    expect(await verifyAuditLog([], log.publicKey, { expectedLastHash: anchored })).toMatchObject({ ok: false, index: 0 });
  });

  it('malformed records fail: bad JSON, blank line, extra field, wrong version', async () => {
    const pk = ed25519.getPublicKey(SK);
    const ls = lines(await sampleLog());
    expect(await verifyAuditLog([ls[0]!, '{"v":1'], pk)).toEqual({ ok: false, index: 1, reason: 'malformed' });
    expect(await verifyAuditLog(`${ls[0]}\n\n${ls[1]}\n`, pk)).toEqual({ ok: false, index: 1, reason: 'malformed' });
    expect(await verifyAuditLog([JSON.stringify({ ...parse(ls[0]!), extra: 1 })], pk)).toMatchObject({ reason: 'malformed' });
    expect(await verifyAuditLog([JSON.stringify({ ...parse(ls[0]!), v: 2 })], pk)).toMatchObject({ reason: 'malformed' });
    const phi = parse(ls[0]!);
    phi.details.participantId = 'John Smith, HIV+';
    expect(await verifyAuditLog([JSON.stringify(phi)], pk)).toMatchObject({ reason: 'details-refused' });
  });

  it('property: any single-character substitution or record duplication is detected', async () => {
    const log = await sampleLog();
    const text = log.export();
    const pk = log.publicKey;
    const ls = lines(log);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: text.length - 2 }), fc.integer({ min: 0x20, max: 0x7e }), async (pos, code) => {
        fc.pre(text[pos] !== '\n' && text.charCodeAt(pos) !== code);
        const tampered = text.slice(0, pos) + String.fromCharCode(code) + text.slice(pos + 1);
        expect((await verifyAuditLog(tampered, pk)).ok).toBe(false);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: ls.length - 1 }), fc.nat({ max: ls.length }), async (from, to) => {
        const dup = [...ls.slice(0, to), ls[from]!, ...ls.slice(to)];
        expect((await verifyAuditLog(dup, pk)).ok).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('throws invalid-key for a public key of the wrong length', async () => {
    await expect(verifyAuditLog('', new Uint8Array(31))).rejects.toMatchObject({ code: 'invalid-key' });
  });

  it('the genesis hash binds the log to its public key', async () => {
    const log = await sampleLog();
    expect(log.entries()[0]!.prevHash).toBe(await genesisHash(log.publicKey));
    expect(await genesisHash(ed25519.getPublicKey(OTHER_SK))).not.toBe(log.entries()[0]!.prevHash);
  });
});

describe('details whitelist', () => {
  const refused: [string, unknown][] = [
    ['unknown field (free text)', { participantId: 'bob', note: 'patient reports chest pain' }],
    ['id with spaces (a name)', { participantId: 'John Smith' }],
    ['id too long', { participantId: 'a'.repeat(129) }],
    ['key material as bytes', { participantId: 'bob', key: new Uint8Array(32) }],
    ['bytes in an id field', { participantId: new Uint8Array(32) }],
    ['nested object', { participantId: { name: 'x' } }],
    ['missing required field', {}],
  ];
  it.each(refused)('refuses %s at append', async (_name, details) => {
    const log = newLog();
    await expect(log.append('joined', details as never)).rejects.toMatchObject({ code: 'details-refused' });
    expect(log.length).toBe(0);
  });

  it('refuses wrong value shapes for numbers and words', async () => {
    const log = newLog();
    await expect(log.append('epoch-changed', { participantId: 'a', epoch: -1 })).rejects.toMatchObject({ code: 'details-refused' });
    await expect(log.append('epoch-changed', { participantId: 'a', epoch: 1.5 })).rejects.toMatchObject({ code: 'details-refused' });
    await expect(log.append('epoch-changed', { participantId: 'a', epoch: '3' as never })).rejects.toMatchObject({ code: 'details-refused' });
    await expect(log.append('logged-off', { participantId: 'a', reason: 'lunch' as never })).rejects.toMatchObject({ code: 'details-refused' });
    await expect(log.append('chat-sent' as never, { participantId: 'a' } as never)).rejects.toMatchObject({ code: 'unknown-event-type' });
  });

  it('refused values never appear in the error message', async () => {
    const log = newLog();
    const err = await log.append('joined', { participantId: 'bob', note: 'SECRET-PHI' } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditError);
    expect((err as Error).message).not.toContain('SECRET-PHI');
  });
});

describe('sink and ordering', () => {
  it('concurrent appends commit in call order and reach the sink in order', async () => {
    const seen: number[] = [];
    const log = newLog({ write: async (e) => void seen.push(e.seq) });
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append('epoch-changed', { participantId: 'a', epoch: i })));
    await log.flush();
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(log.entries().map((e) => (e.details as { epoch: number }).epoch)).toEqual(seen);
    expect((await verifyAuditLog(log.export(), log.publicKey)).ok).toBe(true);
  });

  it('a failing sink emits sink-failed and never loses the in-memory entry', async () => {
    let calls = 0;
    const log = newLog({
      write: () => {
        calls++;
        if (calls === 1) throw new Error('disk full');
        return Promise.reject(new Error('network down'));
      },
    });
    const errors: AuditError[] = [];
    log.on('error', (e) => errors.push(e));
    await log.append('locked', { by: 'alice' });
    await log.append('unlocked', { by: 'alice' });
    await log.flush();
    expect(errors.map((e) => e.code)).toEqual(['sink-failed', 'sink-failed']);
    expect(log.entries()).toHaveLength(2);
    expect((await verifyAuditLog(log.export(), log.publicKey)).ok).toBe(true);
  });

  it('refuses appends after close and the disposed signer refuses to sign', async () => {
    const signer = ed25519Signer(SK);
    const log = new AuditLog({ signer });
    await log.close();
    await expect(log.append('locked', {})).rejects.toMatchObject({ code: 'closed' });
    signer.dispose();
    expect(() => signer.sign(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'closed' }));
    expect(() => ed25519Signer(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'invalid-key' }));
  });
});
