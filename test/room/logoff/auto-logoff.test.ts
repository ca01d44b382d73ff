/**
 * Automatic log-off with an injected clock: deterministic, no real sleeps.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AutoLogoff } from '../../../src/room/logoff/index.js';
import type { LogoffClock, LogoffReason } from '../../../src/room/logoff/index.js';

/** A manual clock: timers fire only inside `advance`, in time order. */
class FakeClock implements LogoffClock {
  t = 0;
  #next = 1;
  readonly timers = new Map<number, { at: number; cb: () => void }>();
  now = () => this.t;
  setTimeout = (cb: () => void, ms: number) => {
    const id = this.#next++;
    this.timers.set(id, { at: this.t + ms, cb });
    return id;
  };
  clearTimeout = (h: unknown) => void this.timers.delete(h as number);
  advance(ms: number): void {
    const end = this.t + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      let best: [number, { at: number; cb: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!best || e[1].at < best[1].at)) best = e;
      if (!best) break;
      this.timers.delete(best[0]);
      this.t = best[1].at;
      best[1].cb();
    }
    this.t = end;
  }
}

function track(logoff: AutoLogoff, clock: FakeClock) {
  const log: string[] = [];
  logoff.on('warning', ({ reason, remainingMs }) => log.push(`warn:${reason}:${remainingMs}@${clock.t}`));
  logoff.on('expired', ({ reason }) => log.push(`expired:${reason}@${clock.t}`));
  return log;
}

describe('AutoLogoff', () => {
  it('is off by default: no timer, never expires', () => {
    const clock = new FakeClock();
    const l = new AutoLogoff({ clock });
    const log = track(l, clock);
    l.start();
    clock.advance(365 * 24 * 3600_000);
    expect(l.enabled).toBe(false);
    expect(clock.timers.size).toBe(0);
    expect(log).toEqual([]);
  });

  it('idle: warns warnBeforeMs ahead, then expires exactly at the idle limit', () => {
    const clock = new FakeClock();
    const l = new AutoLogoff({ idleTimeoutMs: 60_000, warnBeforeMs: 10_000, clock });
    const log = track(l, clock);
    l.start();
    clock.advance(49_999);
    expect(log).toEqual([]);
    clock.advance(1);
    expect(log).toEqual(['warn:idle:10000@50000']);
    expect(l.remainingMs()).toBe(10_000);
    clock.advance(10_000);
    expect(log).toEqual(['warn:idle:10000@50000', 'expired:idle@60000']);
    expect(l.expired).toBe('idle');
  });

  it('activity pushes the idle deadline back and re-arms the warning', () => {
    const clock = new FakeClock();
    const l = new AutoLogoff({ idleTimeoutMs: 60_000, warnBeforeMs: 10_000, clock });
    const log = track(l, clock);
    l.start();
    clock.advance(55_000);
    l.reportActivity();
    clock.advance(59_999);
    expect(l.expired).toBeUndefined();
    clock.advance(1);
    expect(log).toEqual(['warn:idle:10000@50000', 'warn:idle:10000@105000', 'expired:idle@115000']);
  });

  it('max-duration expires regardless of activity', () => {
    const clock = new FakeClock();
    const l = new AutoLogoff({ idleTimeoutMs: 60_000, maxDurationMs: 300_000, warnBeforeMs: 30_000, clock });
    const log = track(l, clock);
    l.start();
    for (let i = 0; i < 30; i++) {
      clock.advance(20_000);
      l.reportActivity();
    }
    expect(log).toEqual(['warn:max-duration:30000@270000', 'expired:max-duration@300000']);
  });

  it('on a tie the reason is max-duration; onExpire runs once before the event', () => {
    const clock = new FakeClock();
    const order: string[] = [];
    const l = new AutoLogoff({ idleTimeoutMs: 1000, maxDurationMs: 1000, warnBeforeMs: 0, clock, onExpire: (r) => order.push(`cb:${r}`) });
    l.on('expired', ({ reason }) => order.push(`ev:${reason}`));
    l.start();
    clock.advance(5000);
    l.reportActivity();
    clock.advance(5000);
    expect(order).toEqual(['cb:max-duration', 'ev:max-duration']);
  });

  it('stop() cancels; activity after expiry is ignored; start after expiry does nothing', () => {
    const clock = new FakeClock();
    const l = new AutoLogoff({ idleTimeoutMs: 1000, clock });
    const log = track(l, clock);
    l.start();
    l.stop();
    clock.advance(10_000);
    expect(log).toEqual([]);
    expect(clock.timers.size).toBe(0);
    l.start();
    clock.advance(1000);
    l.reportActivity();
    l.start();
    clock.advance(10_000);
    expect(log.filter((x) => x.startsWith('expired'))).toEqual(['expired:idle@11000']);
  });

  it('never warns right at start: the lead is at most half the limit', () => {
    const clock = new FakeClock();
    const l = new AutoLogoff({ idleTimeoutMs: 10_000, warnBeforeMs: 60_000, clock });
    const log = track(l, clock);
    l.start();
    clock.advance(10_000);
    expect(log).toEqual(['warn:idle:5000@5000', 'expired:idle@10000']);
  });

  it.each([{ idleTimeoutMs: -1 }, { maxDurationMs: Number.NaN }, { warnBeforeMs: 1.5 }, { idleTimeoutMs: Infinity }])(
    'rejects %o with invalid-options',
    (opts) => {
      expect(() => new AutoLogoff(opts)).toThrow(expect.objectContaining({ code: 'invalid-options' }));
    },
  );

  it('property: expiry happens exactly at min(last activity + idle, start + max)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50_000 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.array(fc.integer({ min: 1, max: 40_000 }), { maxLength: 20 }),
        (idle, max, gaps) => {
          fc.pre(idle > 0 || max > 0);
          const clock = new FakeClock();
          const expiries: [LogoffReason, number][] = [];
          const l = new AutoLogoff({ idleTimeoutMs: idle, maxDurationMs: max, warnBeforeMs: 1000, clock });
          l.on('expired', ({ reason }) => expiries.push([reason, clock.t]));
          l.start();
          let last = 0;
          let expected: [LogoffReason, number] | undefined;
          const deadline = () => {
            const idleAt = idle > 0 ? last + idle : Infinity;
            const maxAt = max > 0 ? max : Infinity;
            return maxAt <= idleAt ? (['max-duration', maxAt] as const) : (['idle', idleAt] as const);
          };
          for (const gap of gaps) {
            const [reason, at] = deadline();
            if (clock.t + gap >= at) {
              expected = [reason, at];
              break;
            }
            clock.advance(gap);
            l.reportActivity();
            last = clock.t;
          }
          expected ??= [...deadline()];
          clock.advance(500_000);
          expect(expiries).toEqual([expected]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('AutoLogoff with the default clock', () => {
  afterEach(() => vi.useRealTimers());
  it('uses setTimeout/Date.now when no clock is injected', () => {
    vi.useFakeTimers();
    const l = new AutoLogoff({ idleTimeoutMs: 1000, warnBeforeMs: 0 });
    const reasons: LogoffReason[] = [];
    l.on('expired', ({ reason }) => reasons.push(reason));
    l.start();
    vi.advanceTimersByTime(999);
    expect(reasons).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(reasons).toEqual(['idle']);
  });
});
