/**
 * The one-command demo in real Chromium (issue #5 §5): start the demo server through the same
 * `startDemo()` that `npm run demo` runs (relay + page, free port), open the page in two browser
 * contexts, and check that the call decodes end to end — remote video playing with decrypted
 * frames and the sender's picture, the same safety number, code and call code on both sides, the
 * state "encrypted" — then leave. Saves `test-results/demo.png` (both videos + safety number).
 * Run with `npm run test:browser` (inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { startDemo } from '../../scripts/demo.mjs';
import { launchChromium, openPage, pollUntil } from './harness/index.mjs';

const root = resolve(import.meta.dirname, '../..');
/** Matching pictures differ by ≈ 0–10 (64×48 greys); different pictures by far more. */
const SAME = 20;

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof startDemo>>} */
let demo;
const contexts = [];

before(async () => {
  // `npm run demo` bundles against a fresh dist/. Here the same startDemo() bundles the SDK from src/
  // (a dist/ left by an older build would test stale code); SEALRTC_DEMO_FROM=dist tests the build.
  const from = process.env.SEALRTC_DEMO_FROM === 'dist' ? 'dist' : 'src';
  [browser, demo] = await Promise.all([launchChromium(), startDemo({ port: 0, from, relayLogLevel: 'silent' })]);
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await demo?.close();
});

async function join(hash) {
  const p = await openPage(browser, `${demo.url}#${hash}`);
  contexts.push(p.context);
  return p;
}

/** What one page shows about its (single) remote participant, read from the DOM. */
function view(page) {
  return page.evaluate(() => {
    const tile = document.querySelector('.tile.remote');
    const video = tile?.querySelector('video');
    const q = video?.getVideoPlaybackQuality();
    return {
      state: tile?.getAttribute('data-e2ee') ?? null,
      badge: tile?.querySelector('.badge')?.textContent ?? '',
      name: tile?.querySelector('.name')?.textContent ?? '',
      safety: tile?.querySelector('.safety')?.textContent ?? '',
      sas: tile?.querySelector('.sas')?.textContent ?? '',
      counters: tile?.querySelector('.frames')?.textContent ?? '',
      framesDecoded: q?.totalVideoFrames ?? 0,
      width: video?.videoWidth ?? 0,
      playing: video ? !video.paused && video.readyState >= 2 : false,
      callCode: document.getElementById('call-code')?.textContent ?? '',
      status: document.getElementById('status')?.textContent ?? '',
    };
  });
}

/** 64×48 grey thumbnail of a video element, as a plain array. */
function thumb(page, selector) {
  return page.evaluate((sel) => {
    const v = document.querySelector(sel);
    if (!(v instanceof HTMLVideoElement) || v.videoWidth === 0) return null;
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 48;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(v, 0, 0, 64, 48);
    const d = ctx.getImageData(0, 0, 64, 48).data;
    const out = [];
    for (let i = 0; i < d.length; i += 4) out.push(0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]);
    return out;
  }, selector);
}

const diff = (a, b) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / a.length;
const spread = (a) => {
  const mean = a.reduce((s, x) => s + x, 0) / a.length;
  return Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length);
};

test('npm run demo: two tabs hold an end-to-end encrypted call with matching safety numbers', async () => {
  const room = `demo-test-${process.pid}`;
  // Alice uses the (fake) camera; Bob's page takes the no-camera path and sends its test pattern.
  const alice = await join(`room=${room}&name=Alice`);
  const bob = await join(`room=${room}&name=Bob&source=pattern`);
  const ready = (v) => v.state === 'encrypted' && v.playing && v.framesDecoded > 20 && v.width > 0 && /^[1-9]\d* frames decrypted/.test(v.counters);
  const a = await pollUntil(() => view(alice.page), ready, { attempts: 400 });
  const b = await pollUntil(() => view(bob.page), ready, { attempts: 400 });
  assert.ok(ready(a), `alice sees bob: ${JSON.stringify(a)}`);
  assert.ok(ready(b), `bob sees alice: ${JSON.stringify(b)}`);
  assert.equal(a.name, 'Bob');
  assert.equal(b.name, 'Alice');
  assert.match(a.badge, /Encrypted end to end/);

  // Same safety number (60 digits in groups of five), same code to read aloud, same call code.
  assert.match(a.safety, /^(\d{5} ){11}\d{5}$/);
  assert.equal(a.safety, b.safety);
  assert.ok(a.sas.length >= 4);
  assert.equal(a.sas, b.sas);
  assert.ok(a.callCode.length > 1 && a.callCode !== '—', JSON.stringify(a));
  assert.equal(a.callCode, b.callCode);

  // Alice really sees Bob's picture: close to what Bob's own preview shows, far from her camera,
  // and not blank. Bob sees a picture too (Alice's camera), not a flat frame.
  const seen = await pollUntil(async () => {
    const [remote, sent, own] = [await thumb(alice.page, '.tile.remote video'), await thumb(bob.page, '#local-video'), await thumb(alice.page, '#local-video')];
    return { remote, sent, own };
  }, (s) => s.remote && s.sent && diff(s.remote, s.sent) < SAME, { attempts: 50 });
  assert.ok(seen.remote && seen.sent && seen.own, 'all three videos have pictures');
  assert.ok(diff(seen.remote, seen.sent) < SAME, `alice's view of bob matches bob's pattern: ${diff(seen.remote, seen.sent)}`);
  assert.ok(diff(seen.remote, seen.own) > 2 * SAME, `and is not alice's own camera: ${diff(seen.remote, seen.own)}`);
  assert.ok(spread(seen.remote) > 20, `not blank: ${spread(seen.remote)}`);
  const bobSees = await thumb(bob.page, '.tile.remote video');
  assert.ok(bobSees && spread(bobSees) > 3, `bob's view of alice is not blank: ${bobSees && spread(bobSees)}`);

  mkdirSync(resolve(root, 'test-results'), { recursive: true });
  await alice.page.screenshot({ path: resolve(root, 'test-results/demo.png') });

  // Leave: Bob's page says so; Alice's tile for Bob goes away.
  await bob.page.click('#leave');
  const screens = () => bob.page.evaluate(() => [
    document.getElementById('left-screen')?.checkVisibility() ?? false,
    document.querySelector('main')?.checkVisibility() ?? true,
  ]);
  const left = await pollUntil(screens, ([l, m]) => l && !m, { attempts: 50 });
  assert.deepEqual(left, [true, false], 'bob sees the left-the-call screen instead of the call');
  const gone = await pollUntil(() => alice.page.evaluate(() => document.querySelector('.tile.remote') === null), Boolean, { attempts: 100 });
  assert.ok(gone, 'alice no longer shows bob');
  assert.deepEqual([...alice.errors, ...bob.errors], []);
});
