/**
 * Key agreement and group key schedule benchmark (`npm run bench keys`), over MemorySignalingHub
 * with a real SFrameContext behind each session:
 *
 * 1. time for N = 2/4/8 members starting together to reach "all keys delivered" everywhere,
 *    next to the bare cryptography of the same N(N−1)/2 handshakes done directly (X25519 shared
 *    secret, two Ed25519 signatures and verifications, HKDF) measured in the same run;
 * 2. time from a transport-reported leave until every remaining member sends with its new
 *    epoch, next to the same message pattern without keys (every remaining member pings every
 *    other inside the channels and waits for the pongs) through the same hub and sessions;
 * 3. bytes (and envelopes) of signaling the relay carries for one join into a room of N−1.
 *
 * Medians of ROUNDS runs per size; runs alternate with their baseline. Bounded: ≤ 60 s total.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { createIdentity, GroupKeySession, sframeContextSink } from '../src/keys/index.js';
import { SFrameContext } from '../src/sframe/index.js';
import { MemorySignalingHub } from '../src/testing/index.js';

const SIZES = [2, 4, 8];
const ROUNDS = 7;
const DEADLINE = performance.now() + 60_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

interface M { id: string; session: GroupKeySession; delivered: boolean }

function makeMember(hub: MemorySignalingHub, id: string): M {
  const session = new GroupKeySession({
    roomId: 'bench', identity: createIdentity({ displayName: id }), signaling: hub.connect(id),
    keySink: sframeContextSink(new SFrameContext()), rekeyIntervalMs: 0,
  });
  const m: M = { id, session, delivered: false };
  session.on('keys-delivered', () => (m.delivered = true));
  session.on('error', (e) => {
    throw e;
  });
  return m;
}

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error('benchmark condition not reached');
}

async function allDelivered(n: number): Promise<{ ms: number; hub: MemorySignalingHub; ms_: M[] }> {
  const hub = new MemorySignalingHub();
  hub.recordTranscript(false);
  const ms = Array.from({ length: n }, (_, i) => makeMember(hub, `p${i}`));
  const t0 = performance.now();
  await Promise.all(ms.map((m) => m.session.start()));
  await waitFor(() => ms.every((m) => (n === 1 || m.delivered) && m.session.peers.size === n - 1));
  return { ms: performance.now() - t0, hub, ms_: ms };
}

/** The cryptography of one pairwise handshake, both sides, without any protocol. */
async function bareHandshakes(n: number): Promise<number> {
  const ids = Array.from({ length: n }, () => ed25519.utils.randomSecretKey());
  const pubs = ids.map((s) => ed25519.getPublicKey(s));
  const t0 = performance.now();
  const ephs = ids.map(() => x25519.utils.randomSecretKey());
  const ephPubs = ephs.map((e) => x25519.getPublicKey(e));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = new Uint8Array([...ephPubs[i]!, ...ephPubs[j]!]);
      const si = ed25519.sign(t, ids[i]!);
      const sj = ed25519.sign(t, ids[j]!);
      if (!ed25519.verify(si, t, pubs[i]!, { zip215: false }) || !ed25519.verify(sj, t, pubs[j]!, { zip215: false })) throw new Error('verify');
      for (const [a, b] of [[i, j], [j, i]] as const) {
        const ss = x25519.getSharedSecret(ephs[a]!, ephPubs[b]!);
        const k = await crypto.subtle.importKey('raw', ss, 'HKDF', false, ['deriveBits']);
        await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: new Uint8Array(8) }, k, 512);
      }
    }
  }
  return performance.now() - t0;
}

async function main(): Promise<void> {
  await allDelivered(2); // warm-up
  console.log('### all keys delivered (members start together)\n');
  console.log('| members | sealrtc ms | bare handshake crypto ms | ratio |');
  console.log('|---:|---:|---:|---:|');
  for (const n of SIZES) {
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS && performance.now() < DEADLINE; r++) {
      const run = await allDelivered(n);
      a.push(run.ms);
      await Promise.all(run.ms_.map((m) => m.session.close()));
      b.push(await bareHandshakes(n));
    }
    console.log(`| ${n} | ${median(a).toFixed(1)} | ${median(b).toFixed(1)} | ${(median(a) / median(b)).toFixed(2)} |`);
  }

  console.log('\n### leave → every remaining member sends with its new epoch\n');
  console.log('| members before leave | leave→switch ms | all-pairs ping→pong ms | ratio |');
  console.log('|---:|---:|---:|---:|');
  for (const n of SIZES) {
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS && performance.now() < DEADLINE; r++) {
      const run = await allDelivered(n);
      const rest = run.ms_.slice(0, -1);
      const leaver = run.ms_.at(-1)!;
      // Baseline: the same message pattern without keys — every remaining member pings every
      // other one inside the channels and waits for all the pongs (all-pairs round trips).
      let pongs = 0;
      const want = rest.length * (rest.length - 1);
      const offs = rest.map((m) =>
        m.session.on('peer-message', (from, data) => {
          if (data[0] === 1) m.session.sendToPeer(from, new Uint8Array([2]));
          else pongs++;
        }),
      );
      const tb = performance.now();
      for (const m of rest) for (const o of rest) if (o !== m) m.session.sendToPeer(o.id, new Uint8Array([1]));
      await waitFor(() => pongs === want);
      b.push(performance.now() - tb);
      offs.forEach((off) => off());
      const before = rest.map((m) => m.session.epoch);
      const t0 = performance.now();
      run.hub.disconnect(leaver.id);
      await waitFor(() => rest.every((m, i) => m.session.epoch > before[i]!));
      a.push(performance.now() - t0);
      await Promise.all(run.ms_.map((m) => m.session.close()));
    }
    const alone = n === 2; // one member remains: nobody to deliver to, nothing to ping
    console.log(`| ${n} | ${median(a).toFixed(1)} | ${alone ? '—' : median(b).toFixed(2)} | ${alone ? '—' : (median(a) / median(b)).toFixed(2)} |`);
  }

  console.log('\n### signaling bytes for one join\n');
  console.log('| room before join | envelopes | bytes on the relay | bytes per existing member |');
  console.log('|---:|---:|---:|---:|');
  for (const n of SIZES) {
    const run = await allDelivered(n - 1);
    const hub = run.hub;
    const existing = n - 1;
    run.ms_.forEach((m) => (m.delivered = false));
    hub.recordTranscript(true);
    const joiner = makeMember(hub, 'joiner');
    await joiner.session.start();
    const all = [...run.ms_, joiner];
    await waitFor(() => all.every((m) => m.delivered && m.session.peers.size === all.length - 1));
    await hub.settle(all.map((m) => m.session));
    const bytes = hub.transcript.reduce((s, e) => s + e.data.length, 0);
    console.log(`| ${existing} | ${hub.transcript.length} | ${bytes} | ${Math.round(bytes / existing)} |`);
    await Promise.all(all.map((m) => m.session.close()));
  }
}

await main();
