/** The routing core without sockets: outbox bookkeeping and slab compaction. */
import { describe, expect, it } from 'vitest';
import { Hub, type Link, type Session } from '../../src/relay/hub.js';
import { DEFAULT_LIMITS } from '../../src/relay/limits.js';
import { RelayLogger } from '../../src/relay/log.js';
import { newMetrics } from '../../src/relay/metrics.js';
import { decodeRelayFrame } from '../../src/signaling/envelope.js';

function link(id: string): Link & { sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  return { id, sent, send: (b) => sent.push(b), fail: () => undefined };
}

async function pair(): Promise<{ hub: Hub; a: Session; b: Session; toB: ReturnType<typeof link> }> {
  const hub = new Hub(DEFAULT_LIMITS, new RelayLogger('silent'), newMetrics());
  const join = async (peer: string, l: Link): Promise<Session> => {
    const r = await hub.admit(l, { room: 'r', peer, resumeKey: new Uint8Array(16), instance: new Uint8Array(8), lastDeliverySeq: 0 });
    if ('error' in r) throw new Error(r.error);
    return r.session;
  };
  const a = await join('a', link('la'));
  const toB = link('lb');
  const b = await join('b', toB);
  return { hub, a, b, toB };
}

describe('hub', () => {
  it('trims the outbox by cumulative ack, ignoring acks beyond what was sent', async () => {
    const { hub, a, b } = await pair();
    for (let i = 1; i <= 5; i++) hub.route(a, 'b', i, Uint8Array.of(i));
    expect(b.outbox.map((f) => (decodeRelayFrame(f) as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5]);
    hub.ack(b, 0);
    expect(b.outbox.length).toBe(5);
    hub.ack(b, 3);
    expect(b.outbox.map((f) => (decodeRelayFrame(f) as { seq: number }).seq)).toEqual([4, 5]);
    expect(b.outboxBytes).toBe(b.outbox.reduce((n, f) => n + f.length, 0));
    hub.ack(b, 99);
    expect(b.outbox.length).toBe(0);
    expect(b.outboxBytes).toBe(0);
  });

  it('gives frames that outlive one compaction period their own bytes, leaving newer ones shared', async () => {
    const { hub, a, b, toB } = await pair();
    const payload = new Uint8Array(100).fill(7);
    for (let i = 1; i <= 10; i++) hub.route(a, 'b', i, payload);
    const shared = (f: Uint8Array): boolean => f.buffer.byteLength > f.length;
    expect(b.outbox.every(shared)).toBe(true);
    hub.compactOutboxes(); // notes what is waiting now
    expect(b.outbox.every(shared)).toBe(true);
    for (let i = 11; i <= 15; i++) hub.route(a, 'b', i, payload);
    hub.ack(b, 2);
    hub.compactOutboxes(); // frames 3..10 waited a whole period: copied; 11..15 not yet
    expect(b.outbox.slice(0, 8).some(shared)).toBe(false);
    expect(b.outbox.slice(8).every(shared)).toBe(true);
    // Same bytes as were sent, in the same order.
    expect(b.outbox.map((f) => [...f])).toEqual(toB.sent.slice(2).map((f) => [...f]));
    hub.compactOutboxes();
    expect(b.outbox.some(shared)).toBe(false);
    expect(b.outbox.map((f) => (decodeRelayFrame(f) as { seq: number }).seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });
});
