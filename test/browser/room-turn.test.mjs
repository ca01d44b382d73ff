/**
 * Real-Chromium room test over relay-only ICE (issue #4 §6 (e)): coturn on 127.0.0.1, started by
 * the test with a static user; every participant uses `iceTransportPolicy: 'relay'`, so all media
 * flows through the TURN server. The encrypted call decodes; a receiver behind the same TURN
 * server whose transform holds no media key (testing opt-out) sees no picture — and the keyed
 * participants never show its clear media either (fail closed on receive).
 * Run with `npm run test:browser` (inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium, openPage, pollUntil, startPageServer } from './harness/index.mjs';
import { startBridge } from './servers/bridge.mjs';
import { startTurn } from './servers/turn.mjs';

const GOOD = 15;
const NONE = 30;

let browser;
let server;
let bridge;
let turn;
let contexts = [];

before(async () => {
  [browser, server, bridge, turn] = await Promise.all([
    launchChromium(),
    startPageServer({ pages: { room: 'test/browser/room-page.ts' } }),
    startBridge(),
    startTurn(),
  ]);
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await server?.close();
  await bridge?.close();
  await turn?.stop();
});

async function participant(id, seed, opts = {}) {
  const p = await openPage(browser, `${server.url}/room.html`);
  contexts.push(p.context);
  await p.page.waitForFunction(() => window.sealTest !== undefined);
  const call = (fn, ...args) => p.page.evaluate(([f, a]) => window.sealTest[f](...a), [fn, args]);
  await call('start', { id, seed, wsUrl: bridge.url, iceServers: turn.iceServers, config: { iceTransportPolicy: 'relay' }, ...opts });
  return { id, seed, ...p, call };
}

const sees = (pic) => pic.frames >= 10 && pic.diff < GOOD;

test('relay-only ICE through coturn: the call decodes; a keyless receiver on the same TURN server sees nothing', async () => {
  const alice = await participant('alice', 1);
  const bob = await participant('bob', 2);
  const eve = await participant('eve', 3, { e2ee: 'disabled-for-testing' });

  const ab = await pollUntil(() => bob.call('picture', 'alice', 1), sees, { attempts: 150 });
  const ba = await pollUntil(() => alice.call('picture', 'bob', 2), sees, { attempts: 150 });
  assert.ok(sees(ab), `bob sees alice through TURN: ${JSON.stringify(ab)}`);
  assert.ok(sees(ba), `alice sees bob through TURN: ${JSON.stringify(ba)}`);
  const s = await bob.call('stats');
  assert.equal(s.participants.alice.state, 'encrypted');

  // Eve is connected through the same TURN server and receives alice's frames, but without keys.
  const st = await pollUntil(() => eve.call('state'), (x) => x.participants.some((p) => p.id === 'alice' && p.tracks.includes('video')));
  assert.ok(st.participants.some((p) => p.id === 'alice' && p.e2eeState === 'unencrypted'), JSON.stringify(st.participants));
  // Give her decoder the time a keyed receiver needed, then look at the picture a few times.
  for (let i = 0; i < 10; i++) {
    const pic = await eve.call('picture', 'alice', 1);
    assert.ok(pic.diff > NONE, `keyless eve must not see alice: ${JSON.stringify(pic)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // And the keyed side never shows eve's clear frames: they fail to open and are dropped.
  const fromEve = await pollUntil(() => alice.call('stats'), (x) => (x.participants.eve?.framesFailed ?? 0) > 10);
  assert.ok(fromEve.participants.eve.framesFailed > 10 && fromEve.participants.eve.framesDecrypted === 0, JSON.stringify(fromEve.participants.eve));
  assert.notEqual(fromEve.participants.eve.state, 'encrypted');
  const evePic = await alice.call('picture', 'eve', 3);
  assert.ok(evePic.diff > NONE, `alice shows nothing of eve's clear media: ${JSON.stringify(evePic)}`);

  // Media really went through coturn (relay-only policy; allocations on the server).
  assert.match(turn.log(), /ALLOCATE processed, success/);
  assert.match(turn.log(), /CHANNEL_BIND processed, success/);
  for (const p of [alice, bob, eve]) await p.call('leave');
});
