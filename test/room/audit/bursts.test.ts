/**
 * Decryption-failure bursts: one audit entry per burst, not one per failed frame.
 */
import { describe, expect, it } from 'vitest';
import { AuditLog, FailureBurstDetector, ed25519Signer, verifyAuditLog } from '../../../src/room/audit/index.js';

describe('FailureBurstDetector', () => {
  it('reports a burst once when the threshold is reached within the window, then stays quiet for a window', () => {
    let t = 0;
    const d = new FailureBurstDetector({ threshold: 3, windowMs: 1000, now: () => t });
    expect(d.record('bob')).toBeUndefined();
    t = 400;
    expect(d.record('bob')).toBeUndefined();
    t = 800;
    expect(d.record('bob')).toEqual({ participantId: 'bob', count: 3, windowMs: 1000 });
    for (let i = 0; i < 10; i++) {
      t += 10;
      expect(d.record('bob')).toBeUndefined(); // quiet period
    }
    t = 2000;
    expect(d.record('bob')).toBeUndefined();
    t = 2001;
    expect(d.record('bob')).toBeUndefined();
    t = 2002;
    expect(d.record('bob')).toMatchObject({ count: 3 });
  });

  it('spread-out failures never make a burst; participants are counted apart', () => {
    let t = 0;
    const d = new FailureBurstDetector({ threshold: 3, windowMs: 1000, now: () => t });
    for (let i = 0; i < 20; i++) {
      t += 600;
      expect(d.record('bob')).toBeUndefined();
    }
    expect(d.record('carol')).toBeUndefined();
    expect(d.record('dave')).toBeUndefined();
    expect(d.record('bob')).toMatchObject({ count: 3 }); // a third within the window does
    d.forget('bob');
    expect(d.record('bob')).toBeUndefined();
    expect(() => new FailureBurstDetector({ threshold: 0 })).toThrow(expect.objectContaining({ code: 'invalid-options' }));
  });

  it('a burst is a valid audit entry', async () => {
    const log = new AuditLog({ signer: ed25519Signer(new Uint8Array(32).fill(1)) });
    const d = new FailureBurstDetector({ threshold: 2 });
    d.record('bob');
    await log.append('decryption-failure-burst', d.record('bob')!);
    expect((await verifyAuditLog(log.export(), log.publicKey)).ok).toBe(true);
  });

  it('an unusable clock reading is refused at append', async () => {
    const log = new AuditLog({ signer: ed25519Signer(new Uint8Array(32).fill(1)), now: () => Number.NaN });
    await expect(log.append('locked', {})).rejects.toMatchObject({ code: 'invalid-options' });
    expect(log.length).toBe(0);
  });
});
