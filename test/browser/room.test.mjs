/**
 * Real-Chromium tests of the Room API (issue #4 §6 (a), (d), (f)): participants in separate
 * browser contexts join one room through a loopback WebSocket bridge (the untrusted relay),
 * send distinctive canvas patterns, and each checks the pictures it receives.
 * Run with `npm run test:browser` (inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchChromium, openPage, pollUntil, startPageServer } from './harness/index.mjs';
import { startBridge } from './servers/bridge.mjs';

export const GOOD = 15; // a matching picture differs by ≈ 0–5; garbage ≈ 45–60; none = 255
export const NONE = 30;

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {{ url: string, close: () => Promise<void> }} */
let server;
/** @type {Awaited<ReturnType<typeof startBridge>>} */
let bridge;
/** @type {Array<{ close(): Promise<void> }>} */
let contexts = [];

before(async () => {
  [browser, server, bridge] = await Promise.all([
    launchChromium(),
    startPageServer({ pages: { room: 'test/browser/room-page.ts' } }),
    startBridge(),
  ]);
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await server?.close();
  await bridge?.close();
});

/** A participant in its own browser context. */
async function participant(id, seed, opts = {}) {
  const p = await openPage(browser, `${server.url}/room.html`);
  contexts.push(p.context);
  await p.page.waitForFunction(() => window.sealTest !== undefined);
  const call = (fn, ...args) => p.page.evaluate(([f, a]) => window.sealTest[f](...a), [fn, args]);
  await call('start', { id, seed, wsUrl: bridge.url, ...opts });
  return { id, seed, ...p, call };
}

const sees = (pic) => pic.frames >= 10 && pic.diff < GOOD;

async function picture(rx, tx, seed = tx.seed) {
  return pollUntil(() => rx.call('picture', tx.id, seed), sees, { attempts: 150 });
}

describe('room: two participants (a)', { concurrency: false }, () => {
  test('each sees the other’s video and hears audio, both under E2EE, with the same safety number', async () => {
    const alice = await participant('alice', 1);
    const bob = await participant('bob', 2);
    const a = await picture(alice, bob);
    const b = await picture(bob, alice);
    assert.ok(sees(a), `alice sees bob: ${JSON.stringify(a)}`);
    assert.ok(sees(b), `bob sees alice: ${JSON.stringify(b)}`);
    // The picture is bob's pattern, not alice's own or garbage.
    const wrong = await alice.call('picture', 'bob', alice.seed);
    assert.ok(wrong.diff > NONE, `patterns are distinguishable: ${wrong.diff}`);

    const sa = await pollUntil(() => alice.call('stats'), (s) => s.participants.bob?.audioFrames > 20 && s.participants.bob?.state === 'encrypted');
    const sb = await pollUntil(() => bob.call('stats'), (s) => s.participants.alice?.audioFrames > 20 && s.participants.alice?.state === 'encrypted');
    for (const [s, who] of [[sa, 'bob'], [sb, 'alice']]) {
      const p = s.participants[who];
      assert.equal(p.state, 'encrypted');
      assert.ok(p.videoFrames > 10 && p.audioFrames > 20, `frames from ${who}: ${JSON.stringify(p)}`);
      assert.ok(s.framesEncrypted > 0);
    }
    const [stA, stB] = [await alice.call('state'), await bob.call('state')];
    const numA = stA.participants.find((p) => p.id === 'bob')?.safetyNumber;
    const numB = stB.participants.find((p) => p.id === 'alice')?.safetyNumber;
    assert.ok(numA && numA.length >= 12);
    assert.equal(numA, numB);
    assert.ok(stA.events.includes('state:bob:encrypted'));
    assert.deepEqual(stA.events.filter((e) => e.startsWith('error')), []);

    // The relay saw only opaque bytes: no SDP, no ICE candidates, no addresses.
    const relayed = Buffer.concat(bridge.seen).toString('latin1');
    for (const needle of ['v=0', 'a=fingerprint', 'candidate:', 'a=ice-ufrag', '127.0.0.1', '"sdp"']) {
      assert.ok(!relayed.includes(needle), `relay saw ${needle}`);
    }
    assert.ok(bridge.seen.length > 4);
    assert.deepEqual([...alice.errors, ...bob.errors], []);
    await alice.call('leave');
    await bob.call('leave');
  });
});
