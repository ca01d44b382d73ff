import { describe, expect, it } from 'vitest';
import { MemorySignalingHub } from '../../src/testing/index.js';

const b = (...x: number[]) => new Uint8Array(x);

function recorder(hub: MemorySignalingHub, id: string) {
  const s = hub.connect(id);
  const got: string[] = [];
  const left: string[] = [];
  const off = s.onMessage((from, data) => got.push(`${from}:${Array.from(data).join(',')}`));
  s.onPeerLeft?.((p) => left.push(p));
  return { s, got, left, off };
}

describe('MemorySignalingHub', () => {
  it('delivers direct and broadcast messages asynchronously, in order, never back to the sender', async () => {
    const hub = new MemorySignalingHub();
    const [a, x, y] = ['a', 'x', 'y'].map((id) => recorder(hub, id)) as [ReturnType<typeof recorder>, ReturnType<typeof recorder>, ReturnType<typeof recorder>];
    a.s.send('x', b(1));
    a.s.send('*', b(2));
    a.s.send('y', b(3));
    expect(x.got).toEqual([]); // not synchronous
    await hub.settle();
    expect(x.got).toEqual(['a:1', 'a:2']);
    expect(y.got).toEqual(['a:2', 'a:3']);
    expect(a.got).toEqual([]);
    expect(hub.transcript.map((e) => `${e.from}>${e.to}`)).toEqual(['a>x', 'a>*', 'a>y']);
  });

  it('lets the interceptor drop, alter, duplicate and re-attribute envelopes', async () => {
    const hub = new MemorySignalingHub();
    const a = recorder(hub, 'a');
    const x = recorder(hub, 'x');
    hub.intercept((env) => {
      if (env.data[0] === 1) return null;
      if (env.data[0] === 2) return { ...env, data: b(20) };
      if (env.data[0] === 3) return [env, env];
      if (env.data[0] === 4) return { ...env, from: 'liar' };
      return undefined;
    });
    for (const n of [1, 2, 3, 4, 5]) a.s.send('x', b(n));
    await hub.settle();
    expect(x.got).toEqual(['a:20', 'a:3', 'a:3', 'liar:4', 'a:5']);
    expect(hub.transcript.map((e) => e.data[0])).toEqual([1, 2, 3, 4, 5]); // what was really sent
  });

  it('injects forged envelopes, announces departures, and stops delivering to the departed', async () => {
    const hub = new MemorySignalingHub();
    const a = recorder(hub, 'a');
    const x = recorder(hub, 'x');
    hub.inject({ from: 'ghost', to: 'x', data: b(9) });
    await hub.settle();
    expect(x.got).toEqual(['ghost:9']);
    a.s.close();
    expect(x.left).toEqual(['a']);
    x.s.send('a', b(1));
    await hub.settle();
    expect(a.got).toEqual([]);
    hub.fakeLeave('zed');
    expect(x.left).toEqual(['a', 'zed']);
    x.off();
    hub.inject({ from: 'ghost', to: 'x', data: b(1) });
    await hub.settle();
    expect(x.got).toEqual(['ghost:9']);
    expect(() => hub.connect('x')).toThrow();
    expect(() => hub.connect('*')).toThrow();
  });

  it('copies bytes so a sender reusing its buffer cannot change what is in flight', async () => {
    const hub = new MemorySignalingHub();
    const a = recorder(hub, 'a');
    const x = recorder(hub, 'x');
    const buf = b(1, 2);
    a.s.send('x', buf);
    buf.fill(0);
    await hub.settle();
    expect(x.got).toEqual(['a:1,2']);
    expect(hub.transcript[0]!.data).toEqual(b(1, 2));
  });
});
