/**
 * Real-Chromium tests of the Room API (issue #4 §6 (a), (d), (f)): participants in separate
 * browser contexts join one room through a loopback WebSocket bridge (the untrusted relay),
 * send distinctive canvas patterns, and each checks the pictures it receives.
 * Run with `npm run test:browser` (inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
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
// Every test starts from an empty bridge: a test that fails before its participants leave must not
// leave them in the next test's room (closing a context closes its bridge socket).
afterEach(async () => {
  const open = contexts;
  contexts = [];
  await Promise.all(open.map((c) => c.close()));
});
after(async () => {
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

    const flowing = (who) => (s) => s.participants[who]?.state === 'encrypted' && s.participants[who].videoFrames > 10 && s.participants[who].audioFrames > 20;
    const sa = await pollUntil(() => alice.call('stats'), flowing('bob'));
    const sb = await pollUntil(() => bob.call('stats'), flowing('alice'));
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
    assert.ok(stA.callCode.length > 0);
    assert.equal(stA.callCode, stB.callCode);
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

describe('room: renegotiation', { concurrency: false }, () => {
  test('a track kind added mid-call by either side arrives decrypted (initiator offers; the other asks it to)', async () => {
    const alice = await participant('alice-r', 1, { audio: false }); // 'alice-r' < 'bob-r': the initiator
    const bob = await participant('bob-r', 2, { audio: false });
    assert.ok(sees(await picture(bob, alice)) && sees(await picture(alice, bob)));
    for (const [tx, rx] of [[alice, bob], [bob, alice]]) {
      await tx.call('addAudio');
      const s = await pollUntil(() => rx.call('stats'), (x) => x.participants[tx.id].audioFrames > 20);
      assert.ok(s.participants[tx.id].audioFrames > 20, `${rx.id} decrypts ${tx.id}'s new audio: ${JSON.stringify(s.participants[tx.id])}`);
      assert.equal(s.participants[tx.id].state, 'encrypted');
      const st = await rx.call('state');
      assert.ok(st.events.includes(`track:${tx.id}:audio`));
    }
    // Removing it again renegotiates; video keeps decoding.
    await alice.call('removeAudio');
    const before = (await bob.call('stats')).participants[alice.id];
    const after = await pollUntil(() => bob.call('stats'), (x) => x.participants[alice.id].videoFrames > before.videoFrames + 20);
    assert.ok(after.participants[alice.id].videoFrames > before.videoFrames + 20);
    assert.ok(sees(await picture(bob, alice)));
    assert.deepEqual((await alice.call('state')).events.filter((e) => e.startsWith('error')), []);
    assert.deepEqual((await bob.call('state')).events.filter((e) => e.startsWith('error')), []);
    await alice.call('leave');
    await bob.call('leave');
  });
});

describe('room: a leave rekeys (d) and a screen share stays encrypted (f)', { concurrency: false }, () => {
  test('three participants; one leaves: the others keep decoding, move to a new epoch the leaver has no key for', async () => {
    const [alice, bob, carol] = [await participant('alice-d', 1), await participant('bob-d', 2), await participant('carol-d', 3)];
    const everyone = [alice, bob, carol];
    for (const rx of everyone) for (const tx of everyone) if (rx !== tx) assert.ok(sees(await picture(rx, tx)), `${rx.id} sees ${tx.id}`);
    // Let the join ratchets settle: every pair decrypting.
    for (const rx of everyone) {
      await pollUntil(() => rx.call('stats'), (s) => Object.values(s.participants).every((p) => p.state === 'encrypted'));
    }
    const held = await carol.call('stats'); // the KIDs the leaver holds for each sender
    const before = { alice: await alice.call('stats'), bob: await bob.call('stats') };
    const epochBefore = { alice: (await alice.call('state')).epoch, bob: (await bob.call('state')).epoch };

    await carol.call('leave');

    // Each remaining receiver soon decodes the other under a KID the leaver never had.
    const newKid = (rx, tx) => (s) =>
      s.participants[tx.id] !== undefined &&
      !held.participants[tx.id].kids.includes(s.participants[tx.id].lastKid) &&
      s.sendKid !== undefined &&
      !held.participants[rx.id].kids.includes(s.sendKid);
    const afterA = await pollUntil(() => alice.call('stats'), newKid(alice, bob), { attempts: 100 });
    const afterB = await pollUntil(() => bob.call('stats'), newKid(bob, alice), { attempts: 100 });
    assert.ok(newKid(alice, bob)(afterA), `alice decodes bob under a new KID: ${JSON.stringify(afterA.participants[bob.id])} vs ${held.participants[bob.id].kids}`);
    assert.ok(newKid(bob, alice)(afterB), `bob decodes alice under a new KID: ${JSON.stringify(afterB.participants[alice.id])}`);
    assert.ok(!held.participants[alice.id].kids.includes(afterA.sendKid ?? ''), 'alice sends under a KID carol never had');
    assert.ok(!held.participants[bob.id].kids.includes(afterB.sendKid ?? ''), 'bob sends under a KID carol never had');
    const [stA, stB] = [await alice.call('state'), await bob.call('state')];
    assert.ok(stA.epoch > epochBefore.alice && stB.epoch > epochBefore.bob, `new epochs: ${JSON.stringify([epochBefore, stA.epoch, stB.epoch])}`);
    assert.ok(stA.events.includes(`left:${carol.id}`) && stB.events.includes(`left:${carol.id}`));
    assert.deepEqual(stA.participants.map((p) => p.id), [bob.id]);

    // No gap: no frame from the other remaining participant failed across the switch, frames kept coming.
    const pA = [before.alice.participants[bob.id], afterA.participants[bob.id]];
    const pB = [before.bob.participants[alice.id], afterB.participants[alice.id]];
    assert.equal(pA[1].framesFailed - pA[0].framesFailed, 0, `alice: failed frames from bob during the switch ${JSON.stringify(pA)}`);
    assert.equal(pB[1].framesFailed - pB[0].framesFailed, 0, `bob: failed frames from alice during the switch ${JSON.stringify(pB)}`);
    assert.ok(sees(await picture(alice, bob)) && sees(await picture(bob, alice)));
    await alice.call('leave');
    await bob.call('leave');
  });

  test('screen-share replacement: the new picture arrives, still decrypted, never in clear', async () => {
    const alice = await participant('alice-f', 1);
    const bob = await participant('bob-f', 2);
    assert.ok(sees(await picture(bob, alice)));
    const before = await bob.call('stats');
    const encBefore = (await alice.call('stats')).framesEncrypted;
    await alice.call('share', 4);
    const shared = await picture(bob, alice, 4);
    assert.ok(sees(shared), `bob sees the screen share: ${JSON.stringify(shared)}`);
    const old = await bob.call('picture', alice.id, 1);
    assert.ok(old.diff > NONE, `the camera picture is gone: ${old.diff}`);
    const p0 = before.participants[alice.id];
    const after = await pollUntil(() => bob.call('stats'), (s) => s.participants[alice.id].videoFrames > p0.videoFrames + 10);
    const p1 = after.participants[alice.id];
    assert.equal(p1.state, 'encrypted');
    assert.ok(p1.videoFrames > p0.videoFrames + 10, 'share frames decrypted by the transform');
    assert.equal(p1.framesFailed - p0.framesFailed, 0);
    assert.ok((await alice.call('stats')).framesEncrypted > encBefore + 10);
    const st = await alice.call('state');
    assert.deepEqual(st.events.filter((e) => e.startsWith('error')), []);
    await alice.call('leave');
    await bob.call('leave');
  });
});
