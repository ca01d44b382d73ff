/**
 * Real-Chromium tests of the transform worker and E2EEController (issue #4 §1, §4, §6(b)(c)).
 *
 * Two browser contexts per test (a sender and a receiver, as two people's browsers), raw
 * RTCPeerConnections, SDP carried by the test, fixed test keys. Every claim is checked on the
 * picture (64x48 grey difference against the pattern sent), not only on counters.
 * Run with `npm run test:browser` (inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, launchChromium, openPage, pollUntil, startPageServer } from './harness/index.mjs';

const KEY_A = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const KEY_WRONG = 'ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const KID_A = '17';
const GOOD = 15; // picture difference of a correct picture is ≈ 0–5
const NONE = 30; // garbage ≈ 45–60, no picture 255

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {{ url: string, close: () => Promise<void> }} */
let server;
/** @type {Array<{ close(): Promise<void> }>} */
let contexts = [];

before(async () => {
  [browser, server] = await Promise.all([launchChromium(), startPageServer({ pages: { transform: 'test/browser/transform-page.ts' } })]);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens a party (its own browser context) with its E2EE controller. */
async function party(init = {}) {
  const p = await openPage(browser, `${server.url}/transform.html`);
  contexts.push(p.context);
  await p.page.waitForFunction(() => window.sealtest !== undefined);
  const info = await call(p.page, 'init', init);
  return { ...p, info, call: (fn, ...args) => call(p.page, fn, ...args) };
}

async function closeAll() {
  await Promise.all(contexts.map((c) => c.close()));
  contexts = [];
}

/** Negotiates connection `name` from `tx` (offer) to `rx` (answer). */
async function connect(tx, rx, name, offerOpts, answerOpts) {
  const offer = await tx.call('offer', name, offerOpts);
  const answer = await rx.call('answer', name, offer, answerOpts);
  await tx.call('accept', name, answer);
}

/** Samples the picture of `name` a few times; returns every sample. */
async function samples(p, name, n = 8) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(await p.call('picture', name));
    await new Promise((r) => setTimeout(r, 150));
  }
  return out;
}

const showing = (pic) => pic.framesDecoded >= 10 && pic.diff < GOOD;

describe('encrypted video per codec (RTCRtpScriptTransform, bundled Blob worker)', { concurrency: false }, () => {
  for (const codec of ['VP8', 'VP9', 'H264', 'AV1']) {
    test(`${codec}: the keyed receiver sees the picture; the wire carries no clear frames`, async () => {
      try {
        const tx = await party();
        const rx = await party();
        assert.equal(tx.info.api, 'script-transform');
        tx.call('setSendKey', KID_A, KEY_A);
        rx.call('addReceiveKey', 'alice', KID_A, KEY_A);
        await connect(tx, rx, 'e2ee', { encrypt: true, codec }, { decrypt: true, participantId: 'alice' });
        await connect(tx, rx, 'plain', { encrypt: true, codec }, { decrypt: false, participantId: 'alice' });

        const pic = await pollUntil(() => rx.call('picture', 'e2ee'), showing);
        assert.ok(pic.codec.toLowerCase().endsWith(codec.toLowerCase()), `negotiated ${pic.codec}`);
        assert.ok(showing(pic), `keyed receiver: ${JSON.stringify(pic)}`);

        const plain = await samples(rx, 'plain');
        for (const s of plain) assert.ok(s.diff > NONE, `receiver without E2EE must see no picture: ${JSON.stringify(s)}`);

        const txs = await tx.call('stats');
        const rxs = await rx.call('stats');
        assert.ok(txs[''].framesEncrypted > 0 && txs[''].lastKid === KID_A);
        assert.ok(rxs.alice.framesDecrypted > 0 && rxs.alice.lastKid === KID_A);
        assert.deepEqual(await rx.call('events'), { receiveStates: ['alice:decrypting'], errors: [] });
      } finally {
        await closeAll();
      }
    });
  }
});
