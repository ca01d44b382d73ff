/**
 * DataLinks alone (src/room/datalinks.ts): per-member order, queueing until the channel opens,
 * bounded waits, failure when the member leaves, and data bound to the connection it came in on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../src/events.js';
import { DataLinks } from '../../src/room/datalinks.js';
import type { MeshPeer, MeshPeerEvents } from '../../src/room/peer.js';

class Wire extends TypedEmitter<MeshPeerEvents> implements MeshPeer {
  dataOpen = false;
  dataBufferedAmount = 0;
  readonly out: number[] = [];
  sendData(data: Uint8Array): void {
    if (!this.dataOpen) throw new Error('closed');
    this.out.push(data[0]!);
  }
  open(): void {
    this.dataOpen = true;
    this.emit('connect');
  }
  signal(): void {}
  addTrack(): void {}
  replaceTrack(): void {}
  removeTrack(): void {}
  destroy(): void {}
}

const code = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'no-code');

describe('DataLinks', () => {
  it('delivers every message once, in order, however sends and the channel opening interleave (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.boolean(), async (n, openAt, attachLate) => {
        const links = new DataLinks({ onData: () => {} });
        const wire = new Wire();
        if (!attachLate) links.attach('bob', wire);
        const sends: Promise<void>[] = [];
        for (let i = 0; i < n; i++) {
          if (i === Math.min(openAt, n - 1)) {
            if (attachLate) links.attach('bob', wire);
            wire.open();
          }
          sends.push(links.send('bob', new Uint8Array([i])));
        }
        await Promise.all(sends);
        expect(wire.out).toEqual([...Array(n).keys()]);
        expect(links.queued('bob')).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('fails queued messages with peer-failed when the member leaves, and sends nothing', async () => {
    const links = new DataLinks({ onData: () => {} });
    const wire = new Wire();
    links.attach('bob', wire);
    const pending = [code(links.send('bob', new Uint8Array([1]))), code(links.send('bob', new Uint8Array([2])))];
    links.detach('bob');
    expect(await Promise.all(pending)).toEqual(['peer-failed', 'peer-failed']);
    wire.open();
    expect(wire.out).toEqual([]);
  });

  it('bounds the wait for the channel to open and the queue length', async () => {
    const links = new DataLinks({ onData: () => {}, openTimeoutMs: 20, maxQueued: 1 });
    links.attach('bob', new Wire());
    const first = code(links.send('bob', new Uint8Array([1])));
    expect(await code(links.send('bob', new Uint8Array([2])))).toBe('peer-failed'); // queue full
    expect(await first).toBe('peer-failed'); // never opened
  });

  it('waits for the buffer to drain below the high-water mark before sending', async () => {
    const links = new DataLinks({ onData: () => {}, highWaterBytes: 100 });
    const wire = new Wire();
    links.attach('bob', wire);
    wire.open();
    wire.dataBufferedAmount = 1000;
    const sent = links.send('bob', new Uint8Array([7]));
    await new Promise((r) => setTimeout(r, 30));
    expect(wire.out).toEqual([]);
    wire.dataBufferedAmount = 0;
    await sent;
    expect(wire.out).toEqual([7]);
  });

  it('reports data as from the member whose connection carried it, and nothing after detach', () => {
    const got: string[] = [];
    const links = new DataLinks({ onData: (from, d) => got.push(`${from}:${d[0]}`) });
    const bob = new Wire();
    const eve = new Wire();
    links.attach('bob', bob);
    links.attach('eve', eve);
    bob.emit('data', new Uint8Array([1]));
    eve.emit('data', new Uint8Array([2]));
    links.detach('bob');
    bob.emit('data', new Uint8Array([3]));
    expect(got).toEqual(['bob:1', 'eve:2']);
  });
});
