/**
 * Real-Chromium proof of the room safeguards (issue #6): chat and a file travel on the data
 * channel (the relay carries neither, not even sealed), a lobby joiner sees no picture until the
 * host admits it, and an expelled member stops decoding while the others go on.
 * Run with `npm run test:browser` (inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { launchChromium, openPage, pollUntil, startPageServer } from './harness/index.mjs';
import { startBridge } from './servers/bridge.mjs';

const GOOD = 15; // a matching picture differs by ≈ 0–5; garbage ≈ 45–60; none = 255
const hex = (b) => Buffer.from(b).toString('hex');
const authoritySecret = ed25519.utils.randomSecretKey();
const authority = hex(ed25519.getPublicKey(authoritySecret));

let browser;
let server;
let bridge;
const contexts = [];

before(async () => {
  [browser, server, bridge] = await Promise.all([
    launchChromium(),
    startPageServer({ pages: { hipaa: 'test/browser/hipaa-page.ts' } }),
    startBridge(),
  ]);
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await server?.close();
  await bridge?.close();
});

async function participant(id, seed, host = false) {
  const p = await openPage(browser, `${server.url}/hipaa.html`);
  contexts.push(p.context);
  await p.page.waitForFunction(() => window.sealHipaa !== undefined);
  const call = (fn, ...args) => p.page.evaluate(([f, a]) => window.sealHipaa[f](...a), [fn, args]);
  await call('start', { id, seed, wsUrl: bridge.url, authority, ...(host ? { authoritySecret: hex(authoritySecret) } : {}) });
  return { id, seed, ...p, call };
}

const sees = (pic) => pic.frames >= 10 && pic.diff < GOOD;
const picture = (rx, tx) => pollUntil(() => rx.call('picture', tx.id, tx.seed), sees, { attempts: 150 });
async function admit(host, joiner) {
  await pollUntil(() => host.call('state'), (s) => s.lobby.includes(joiner.id), { attempts: 150 });
  await host.call('admit', joiner.id);
}
const errorsOf = (s) => s.events.filter((e) => e.startsWith('error'));

describe('hipaa safeguards in Chromium', { concurrency: false }, () => {
  /** @type {Awaited<ReturnType<typeof participant>>} */ let host;
  /** @type {Awaited<ReturnType<typeof participant>>} */ let pat;
  /** @type {Awaited<ReturnType<typeof participant>>} */ let joe;

  test('(b) lobby: a joiner gets no picture until the host admits it, then decodes', async () => {
    host = await participant('host', 1, true);
    pat = await participant('pat', 2);
    // pat waits in the lobby: the host sees the request, and pat sees nobody's picture.
    await pollUntil(() => host.call('state'), (s) => s.lobby.includes('pat'), { attempts: 150 });
    const waiting = await pat.call('state');
    assert.deepEqual(waiting.participants, [], 'a lobby joiner is shown no member');
    assert.deepEqual(Object.keys(waiting.video), [], 'a lobby joiner receives no video');
    assert.equal((await pat.call('picture', 'host', host.seed)).diff, 255);
    assert.deepEqual(Object.values(await pat.call('stats')).filter((c) => c.framesDecrypted > 0), []);

    await host.call('admit', 'pat');
    const a = await picture(pat, host);
    const b = await picture(host, pat);
    assert.ok(sees(a), `pat sees host after admission: ${JSON.stringify(a)}`);
    assert.ok(sees(b), `host sees pat: ${JSON.stringify(b)}`);
    assert.ok((await pat.call('state')).events.includes('admitted'));
  });

  test('(a) chat and a file go over the data channel; the relay carries neither', async () => {
    const relayedBefore = bridge.seen.reduce((n, b) => n + b.length, 0);
    const seenBefore = bridge.seen.length;
    const text = 'patient reports dizziness 7f3a9c';
    assert.deepEqual(await host.call('sendChat', text), ['pat']);
    await pollUntil(() => pat.call('state'), (s) => s.chats.length > 0, { attempts: 150 });
    assert.deepEqual((await pat.call('state')).chats, [{ from: 'host', text }]);

    const size = 300_000;
    assert.deepEqual(await host.call('sendFile', size, 77, 'scan.bin'), ['pat']);
    const got = await pollUntil(() => pat.call('files', 77), (f) => f.length > 0, { attempts: 300 });
    assert.deepEqual(got, [{ from: 'host', name: 'scan.bin', size, intact: true }]);

    // Neither the text nor the file went through the relay: not in clear, and not sealed either
    // (everything it relayed meanwhile is a small fraction of the file).
    const relayed = bridge.seen.slice(seenBefore);
    const relayedBytes = bridge.seen.reduce((n, b) => n + b.length, 0) - relayedBefore;
    assert.ok(relayedBytes < size / 10, `relay carried ${relayedBytes} bytes during the transfer`);
    const all = Buffer.concat(bridge.seen);
    assert.ok(!all.includes(Buffer.from(text)), 'relay saw the chat text');
    assert.ok(relayed.every((b) => b.length < 16 * 1024), 'no relayed message is file-chunk sized');
    assert.deepEqual([...errorsOf(await host.call('state')), ...errorsOf(await pat.call('state'))], []);
  });

  test('(c) expel: the expelled member stops decoding, even one that ignores the command; the other two keep decoding', async () => {
    joe = await participant('joe', 3);
    await admit(host, joe);
    for (const [rx, tx] of [[joe, host], [joe, pat], [host, joe], [pat, joe], [pat, host], [host, pat]]) {
      assert.ok(sees(await picture(rx, tx)), `${rx.id} sees ${tx.id}`);
    }
    const epochs = { host: (await host.call('state')).epoch, pat: (await pat.call('state')).epoch };
    // joe never hears the host again, so it does not obey the expel: cutting it off is the others' job.
    await joe.call('deafen', 'host');
    await host.call('expel', 'joe');

    // The others dropped joe and re-keyed.
    for (const p of [host, pat]) {
      const s = await pollUntil(() => p.call('state'), (x) => !x.participants.includes('joe') && x.epoch !== epochs[p.id], { attempts: 150 });
      assert.ok(!s.participants.includes('joe'), `${p.id} dropped joe`);
      assert.notEqual(s.epoch, epochs[p.id], `${p.id} re-keyed`);
    }
    // joe's picture is gone: every track it received from the others has ended …
    const j = await pollUntil(() => joe.call('state'), (s) => Object.values(s.video).every((v) => !v.live), { attempts: 150 });
    for (const [id, v] of Object.entries(j.video)) assert.equal(v.live, false, `joe still receives ${id}`);
    assert.ok(!j.left && !j.events.includes('expelled'), 'joe did not obey: it was cut off by the others');
    // … and it never decrypted a frame under the others' new keys.
    const newKids = [await host.call('sendKid'), await pat.call('sendKid')];
    const joeKids = Object.values(await joe.call('kids')).flat();
    for (const kid of newKids) assert.ok(kid && !joeKids.includes(kid), `joe decrypted under a post-expel key ${kid}`);
    // host and pat keep decoding each other's picture after the rekey.
    for (const [rx, tx] of [[host, pat], [pat, host]]) {
      const before = (await rx.call('picture', tx.id, tx.seed)).frames;
      const pic = await pollUntil(() => rx.call('picture', tx.id, tx.seed), (x) => x.frames > before + 20 && x.diff < GOOD, { attempts: 150 });
      assert.ok(pic.frames > before + 20 && pic.diff < GOOD, `${rx.id} still sees ${tx.id}: ${JSON.stringify(pic)}`);
    }
    for (const p of [host, pat, joe]) await p.call('leave');
  });
});
