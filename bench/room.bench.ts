/**
 * Room benchmark (`npm run bench room`): leave → every remaining sender on the new epoch.
 *
 * Method: N participants join one room through `joinRoomWith` with the real `GroupKeySession`
 * over `MemorySignalingHub` (in-process relay, one macrotask per delivery batch), a fake WebRTC
 * backend and a controller that timestamps every `setSendKey`. Once all hold each other's
 * current keys, one participant calls `room.leave()`; the figure is the time until every
 * remaining participant's send key has switched to a KID the leaver never held (its keys are
 * snapshotted before the leave). Baseline measured in the same run: one pairwise round trip
 * (`sendToPeer` ping → pong through the authenticated channels) in the same rooms, so the ratio
 * says how many channel round trips a rekey costs. Target: ≤ 250 ms on loopback. Bounded: 12 runs
 * per size.
 */
import { createIdentity, GroupKeySession } from '../src/keys/index.js';
import { joinRoomWith } from '../src/room/join.js';
import type { Room } from '../src/room/room.js';
import { MemorySignalingHub } from '../src/testing/index.js';
import { FakeRtcLog, KeySpyController, fakeFactory } from '../test/room/fakes.js';

const RUNS = 12;
const SIZES = [3, 4, 6];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? NaN;
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

class TimedSpy extends KeySpyController {
  switchedAt = 0;
  override setSendKey(kid: bigint): void {
    super.setSendKey(kid);
    this.switchedAt = performance.now();
  }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 20_000 && !cond(); i++) await tick();
  if (!cond()) throw new Error('benchmark condition never reached');
}

async function once(n: number): Promise<{ leaveMs: number; rttMs: number }> {
  const hub = new MemorySignalingHub();
  hub.recordTranscript(false);
  const log = new FakeRtcLog();
  const parties: { id: string; room: Room; spy: TimedSpy; session: GroupKeySession }[] = [];
  for (let i = 0; i < n; i++) {
    const id = `p${i}`;
    const spy = new TimedSpy();
    let session: GroupKeySession | undefined;
    const room = await joinRoomWith(
      { roomId: 'bench', identity: createIdentity(), signaling: hub.connect(id) },
      { createController: async () => spy, createSession: (o) => (session = new GroupKeySession(o)), peerFactory: fakeFactory(id, log) },
    );
    if (!session) throw new Error('no session');
    parties.push({ id, room, spy, session });
  }
  const settled = (): boolean =>
    parties.every((p) => p.room.participants.size === n - 1 && parties.every((q) => q === p || p.spy.kidsOf(q.id).includes(q.spy.sendKid ?? -1n)));
  await until(settled);

  // Baseline: a pairwise round trip p0 → p1 → p0 inside the authenticated channels.
  const [p0, p1] = [parties[0]!, parties[1]!];
  let pong = false;
  const offPing = p1.session.on('peer-message', (from, data) => {
    if (data[0] === 0x70) p1.session.sendToPeer(from, new Uint8Array([0x71]));
  });
  const offPong = p0.session.on('peer-message', (_f, data) => {
    if (data[0] === 0x71) pong = true;
  });
  const r0 = performance.now();
  p0.session.sendToPeer(p1.id, new Uint8Array([0x70]));
  await until(() => pong);
  const rttMs = performance.now() - r0;
  offPing();
  offPong();

  const leaver = parties[n - 1]!;
  const held = new Set(leaver.spy.receive.keys());
  const rest = parties.slice(0, -1);
  const t0 = performance.now();
  void leaver.room.leave();
  hub.disconnect(leaver.id);
  await until(() => rest.every((p) => p.spy.sendKid !== undefined && !held.has(p.spy.sendKid)));
  const leaveMs = Math.max(...rest.map((p) => p.spy.switchedAt)) - t0;
  for (const p of rest) await p.room.leave();
  return { leaveMs, rttMs };
}

console.log('| participants | leave → all remaining on new epoch, median (p90) | channel round trip, median | ratio | target ≤ 250 ms |');
console.log('|---:|---:|---:|---:|:--:|');
for (const n of SIZES) {
  const leave: number[] = [];
  const rtt: number[] = [];
  await once(n); // warm-up
  for (let i = 0; i < RUNS; i++) {
    const r = await once(n);
    leave.push(r.leaveMs);
    rtt.push(r.rttMs);
  }
  const m = median(leave);
  console.log(`| ${n} | ${m.toFixed(1)} ms (${p90(leave).toFixed(1)} ms) | ${median(rtt).toFixed(2)} ms | ${(m / median(rtt)).toFixed(1)}× | ${p90(leave) <= 250 ? 'met' : 'MISSED'} |`);
}
