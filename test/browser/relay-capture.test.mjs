/**
 * Proof that the relay learns nothing (issue #5 §6). Three real Chromium participants hold a call
 * over the real `WebSocketSignaling` and the real relay (`createRelayServer`, bundled from src/):
 * Alice and Bob start, Carol joins, Carol leaves and the others rekey. Every byte the relay
 * receives and sends is captured twice — by the relay's `tap` (each WebSocket message) and by a
 * byte-recording TCP proxy on loopback in front of it (HTTP upgrade + WebSocket frames, client
 * frames unmasked) — and the two captures must agree. Then none of the key material the pages
 * recorded through their test-only tees (see relay-capture-page.ts) may appear in either: media
 * base keys, the SFrame keys and salts derived from them, pairwise channel secrets (X25519 shared
 * secrets, channel keys, every HKDF output), identity seeds, and the SDP/ICE strings that travel
 * inside the pairwise channels. A self-check first leaks known markers through the same relay and
 * requires the searcher to find them, so a blind searcher cannot pass.
 * Run with `npm run test:browser` (inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import { launchChromium, openPage, pollUntil, startPageServer } from './harness/index.mjs';

const root = resolve(import.meta.dirname, '../..');
const WINDOW = 8; // any 8 consecutive bytes of a secret count as a leak (chance match ≈ size / 2^64)

// ---- capture: relay tap + byte-recording TCP proxy ------------------------------------------------

/** @type {{ dir: 'in' | 'out', data: Buffer }[]} */
const tapped = [];
/** @type {{ up: Buffer[], down: Buffer[] }[]} raw bytes per proxied connection (up = to the relay) */
const wire = [];

async function startRelay() {
  const outfile = resolve(root, '.tmp/relay-capture/relay.mjs');
  await build({ entryPoints: [resolve(root, 'src/relay/index.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  const { createRelayServer } = await import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
  return createRelayServer({ port: 0, logLevel: 'silent', tap: (dir, _conn, data) => tapped.push({ dir, data: Buffer.from(data) }) });
}

function startProxy(port) {
  const sockets = new Set();
  const server = createServer((client) => {
    const rec = { up: [], down: [] };
    wire.push(rec);
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) sockets.add(s);
    client.on('data', (d) => (rec.up.push(Buffer.from(d)), upstream.write(d)));
    upstream.on('data', (d) => (rec.down.push(Buffer.from(d)), client.write(d)));
    const end = () => (client.destroy(), upstream.destroy());
    for (const s of [client, upstream]) s.on('error', end).on('close', end);
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () =>
      ok({ url: `ws://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))) }),
    ),
  );
}

/**
 * Splits one direction of a WebSocket connection into its HTTP head and frames (RFC 6455 §5.2),
 * unmasking client frames. Returns the head, the payloads of data frames, and control payloads.
 */
function decodeWebSocket(raw) {
  const headEnd = raw.indexOf('\r\n\r\n');
  assert.ok(headEnd > 0, 'an HTTP upgrade starts the connection');
  const head = raw.subarray(0, headEnd + 4).toString('latin1');
  const data = [];
  const control = [];
  let i = headEnd + 4;
  while (i + 2 <= raw.length) {
    const opcode = raw[i] & 0x0f;
    const masked = (raw[i + 1] & 0x80) !== 0;
    let len = raw[i + 1] & 0x7f;
    let p = i + 2;
    if (len === 126) (len = raw.readUInt16BE(p)), (p += 2);
    else if (len === 127) (len = Number(raw.readBigUInt64BE(p))), (p += 8);
    const mask = masked ? raw.subarray(p, p + 4) : null;
    if (masked) p += 4;
    if (p + len > raw.length) break; // cut off by the teardown
    const payload = Buffer.from(raw.subarray(p, p + len));
    if (mask) for (let k = 0; k < payload.length; k++) payload[k] ^= mask[k & 3];
    (opcode <= 2 ? data : control).push(payload);
    i = p + len;
  }
  return { head, data, control };
}

/** Every haystack to search: tapped messages, raw wire bytes, and unmasked frame payloads. */
function haystacks() {
  const out = tapped.map((t) => t.data);
  for (const rec of wire) {
    const up = Buffer.concat(rec.up);
    const down = Buffer.concat(rec.down);
    out.push(up, down);
    if (up.length > 0) out.push(...decodeWebSocket(up).data, ...decodeWebSocket(up).control);
    if (down.length > 0) out.push(...decodeWebSocket(down).data, ...decodeWebSocket(down).control);
  }
  return out;
}

// ---- the searcher -----------------------------------------------------------------------------------

/**
 * Finds any secret in the haystacks: any WINDOW-byte slice of it raw, any 2·WINDOW-character slice
 * of its hex (either case), or its whole base64/base64url form. Returns the names of those found
 * (every name of a secret that several records share).
 *
 * @param {Buffer[]} stacks
 * @param {Map<string, Buffer>} named secrets by name
 * @param {string[]} strings plain strings (SDP/ICE) by value
 */
function search(stacks, named, strings = []) {
  const raw = new Map();
  const hexes = new Map();
  for (const [name, s] of named) {
    assert.ok(s.length >= WINDOW, `${name} is long enough to search`);
    const h = s.toString('hex');
    const note = (map, k) => map.set(k, [...(map.get(k) ?? []), name]);
    for (let i = 0; i + WINDOW <= s.length; i++) {
      note(raw, s.subarray(i, i + WINDOW).toString('latin1'));
      note(hexes, h.slice(2 * i, 2 * i + 2 * WINDOW));
    }
  }
  const found = new Set();
  for (const stack of stacks) {
    const text = stack.toString('latin1');
    const lower = text.toLowerCase();
    for (let i = 0; i + WINDOW <= text.length; i++) {
      for (const n of raw.get(text.slice(i, i + WINDOW)) ?? []) found.add(n);
      for (const n of (i + 2 * WINDOW <= lower.length && hexes.get(lower.slice(i, i + 2 * WINDOW))) || []) found.add(n);
    }
    for (const [name, s] of named) {
      if (text.includes(s.toString('base64').replace(/=+$/, '')) || text.includes(s.toString('base64url'))) found.add(name);
    }
    for (const s of strings) if (text.includes(s)) found.add(s);
  }
  return [...found];
}

// ---- participants -------------------------------------------------------------------------------------

/** @type {import('playwright-core').Browser} */
let browser;
let pages;
let relay;
let proxy;
const contexts = [];

before(async () => {
  [browser, pages, relay] = await Promise.all([
    launchChromium(),
    startPageServer({ pages: { capture: 'test/browser/relay-capture-page.ts' } }),
    startRelay(),
  ]);
  proxy = await startProxy(relay.port);
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await pages?.close();
  await proxy?.close();
  await relay?.close({ drainMs: 0 });
});

async function participant(id, roomId) {
  const p = await openPage(browser, `${pages.url}/capture.html`);
  contexts.push(p.context);
  await p.page.waitForFunction(() => window.relayCapture !== undefined);
  const call = (fn, ...args) => p.page.evaluate(([f, a]) => window.relayCapture[f](...a), [fn, args]);
  await call('start', { url: proxy.url, roomId, id });
  return { id, call, errors: p.errors };
}

const allEncrypted = (others) => (s) => others.every((o) => s.peers[o]?.state === 'encrypted' && s.peers[o].video > 10);

test('the relay never sees key material or SDP/ICE during a three-party call with a join and a leave', async () => {
  // 1. Self-check: known markers sent through the same relay (raw, as hex text, as base64 text) are found.
  const markers = new Map([['raw marker', randomBytes(32)], ['hex marker', randomBytes(32)], ['base64 marker', randomBytes(32)]]);
  const leaker = await participant('leaker', 'self-check');
  await leaker.call('leak', '*', markers.get('raw marker').toString('hex'));
  await leaker.call('leak', '*', Buffer.from(markers.get('hex marker').toString('hex').toUpperCase()).toString('hex'));
  await leaker.call('leak', '*', Buffer.from(markers.get('base64 marker').toString('base64')).toString('hex'));
  await leaker.call('leave');
  const unsent = new Map([['never sent', randomBytes(32)]]);
  // The proxy captures bytes before the relay has read them: wait until both views hold all three.
  const looks = () => ({
    all: search(haystacks(), new Map([...markers, ...unsent])),
    tap: search(tapped.map((t) => t.data), markers),
    wire: search(wire.flatMap((r) => [r.up, r.down].filter((b) => b.length > 0).flatMap((b) => decodeWebSocket(Buffer.concat(b)).data)), markers),
  });
  const seen = await pollUntil(async () => looks(), (x) => x.all.length >= 3 && x.tap.length >= 3 && x.wire.length >= 3, { attempts: 100 });
  const [selfCheck, tapOnly, wireOnly] = [seen.all, seen.tap, seen.wire];
  assert.deepEqual(selfCheck.sort(), [...markers.keys()].sort(), 'the searcher finds exactly the markers that were sent');
  assert.equal(tapOnly.length, 3, 'the relay tap saw the markers');
  assert.equal(wireOnly.length, 3, 'the unmasked wire capture saw the markers');

  // 2. The call: Alice and Bob, then Carol joins, then Carol leaves and the others rekey.
  const roomId = 'relay-capture-room';
  const alice = await participant('alice', roomId);
  const bob = await participant('bob', roomId);
  assert.ok(allEncrypted(['bob'])(await pollUntil(() => alice.call('stats'), allEncrypted(['bob']), { attempts: 400 })), 'alice decrypts bob');
  const carol = await participant('carol', roomId);
  for (const [p, others] of [[alice, ['bob', 'carol']], [bob, ['alice', 'carol']], [carol, ['alice', 'bob']]]) {
    const s = await pollUntil(() => p.call('stats'), allEncrypted(others), { attempts: 400 });
    assert.ok(allEncrypted(others)(s), `${p.id} decrypts ${others}: ${JSON.stringify(s)}`);
  }
  const beforeLeave = await alice.call('stats');
  await carol.call('leave');
  const rekeyed = (s) => s.peers.carol === undefined && s.epoch > beforeLeave.epoch && s.peers.bob?.lastKid !== beforeLeave.peers.bob.lastKid && s.peers.bob?.state === 'encrypted';
  const afterLeave = await pollUntil(() => alice.call('stats'), rekeyed, { attempts: 400 });
  assert.ok(rekeyed(afterLeave), `alice and bob moved to fresh keys: ${JSON.stringify([beforeLeave, afterLeave])}`);

  const got = { alice: await alice.call('secrets'), bob: await bob.call('secrets'), carol: await carol.call('secrets') };
  await alice.call('leave');
  // Bob has heard of Alice's leave before he goes, so nothing the relay sends is left in flight.
  await pollUntil(() => bob.call('stats'), (s) => s.peers.alice === undefined, { attempts: 100 });
  await bob.call('leave');
  await pollUntil(async () => relay.metrics().connections, (n) => n === 0, { attempts: 100 });
  await proxy.close();

  // 3. The two captures agree: every WebSocket message the relay handled crossed the proxy, and back.
  const sum = (bufs) => bufs.reduce((n, b) => n + b.length, 0);
  const wireIn = wire.flatMap((r) => (r.up.length ? decodeWebSocket(Buffer.concat(r.up)).data : []));
  const wireOut = wire.flatMap((r) => (r.down.length ? decodeWebSocket(Buffer.concat(r.down)).data : []));
  assert.equal(sum(wireIn), sum(tapped.filter((t) => t.dir === 'in').map((t) => t.data)), 'bytes in: wire = tap');
  assert.equal(sum(wireOut), sum(tapped.filter((t) => t.dir === 'out').map((t) => t.data)), 'bytes out: wire = tap');
  for (const rec of wire.filter((r) => r.down.length > 0)) {
    assert.doesNotMatch(decodeWebSocket(Buffer.concat(rec.down)).head, /permessage-deflate/i, 'frames are not compressed (search sees plain payloads)');
  }

  // 4. Gather the key material and the signal strings, and check there is plenty of it.
  const named = new Map();
  const add = (name, hex) => named.set(name, Buffer.from(hex, 'hex'));
  const strings = new Set();
  for (const [who, { secrets, signals }] of Object.entries(got)) {
    secrets.baseKeys.forEach((k, i) => add(`${who} base key #${i} (${k.role}, KID ${k.kid})`, k.key));
    secrets.sframeKeys.forEach((k, i) => add(`${who} sframe_key #${i}`, k));
    secrets.sframeSalts.forEach((k, i) => add(`${who} sframe_salt #${i}`, k));
    secrets.importedRaw.forEach((k, i) => add(`${who} imported ${k.alg} key #${i}`, k.key));
    secrets.hkdfOutputs.forEach((k, i) => add(`${who} HKDF output #${i}`, k));
    add(`${who} identity seed`, secrets.identitySeed);
    for (const s of signals) {
      if (s.sdp) {
        strings.add(s.sdp);
        for (const m of s.sdp.matchAll(/^a=(ice-pwd|fingerprint):(.+)$/gm)) strings.add(m[2].trim());
        for (const m of s.sdp.matchAll(/^o=.+$/gm)) strings.add(m[0].trim());
      }
      if (s.candidate?.candidate) strings.add(s.candidate.candidate);
    }
    const sends = secrets.baseKeys.filter((k) => k.role === 'send').length;
    assert.ok(sends >= 2, `${who}: a send key per epoch (${sends})`);
    assert.ok(secrets.baseKeys.length - sends >= 2, `${who}: receive keys`);
    assert.equal(secrets.sframeKeys.length, secrets.baseKeys.length);
    assert.ok(secrets.importedRaw.some((k) => k.alg === 'AES-GCM') && secrets.importedRaw.some((k) => k.alg === 'HKDF'), `${who}: channel keys seen`);
    assert.ok(signals.some((s) => s.type === 'offer') && signals.some((s) => s.type === 'answer') && signals.some((s) => s.candidate), `${who}: SDP and ICE seen`);
  }
  assert.ok(named.size > 60, `key material to look for: ${named.size}`);
  const needles = ['v=0\r\n', 'a=fingerprint', 'a=ice-pwd', 'a=ice-ufrag', 'candidate:', 'IN IP4', '"sdp"', '"k":"rtc"'];

  // 5. None of it crossed the relay, in any form.
  const stacks = haystacks();
  assert.ok(sum(stacks) > 10_000, `captured ${sum(stacks)} bytes in ${stacks.length} pieces`);
  assert.deepEqual(search(stacks, named, [...strings, ...needles]), [], 'key material or SDP/ICE seen by the relay');
  // The searcher still works on this capture: a secret spliced into it is found.
  const [someName, someKey] = [...named].at(-1);
  assert.deepEqual(search([...stacks, Buffer.concat([randomBytes(5), someKey.subarray(3, 3 + WINDOW), randomBytes(5)])], new Map([[someName, someKey]])), [someName]);
  assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors, ...leaker.errors], []);
});
