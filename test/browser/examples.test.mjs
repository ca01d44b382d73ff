/**
 * The examples a developer starts from are built and run here, so they never rot (issue #7):
 * build sealrtc, pack it as npm would publish it, install the tarball's contents into each
 * example's `node_modules/sealrtc`, build each example with the plain Vite CLI, start the
 * example's own server and hold encrypted calls in Chromium.
 *
 * - examples/custom-signaling: a two-party call whose signaling is HTTP POST + Server-Sent Events.
 * - examples/node-relay: the relay with join tokens; allowed users hold a call, and a forged token,
 *   an expired one, one for another visit, no token and a user not on the visit are all denied.
 * - examples/react: the `useSealRoom` hook and `<Call>` component against the reference relay.
 *
 * Run with `npm run test:browser` (inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { launchChromium, openPage, pollUntil } from './harness/index.mjs';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'sealrtc-examples-'));
const EXAMPLES = ['custom-signaling', 'node-relay', 'react'];
const exampleDir = (name) => join(root, 'examples', name);
const distOf = (name) => join(work, name);

let browser;
/** Child processes this file started, stopped in `after`. */
const children = new Set();
/** Servers this file started in-process, closed in `after`. */
const closers = [];

before(async () => {
  // The JS build only: an app needs no .d.ts, and a declaration failure elsewhere must not hide
  // whether the runtime bundles work.
  const { build } = await import('tsup');
  await build({ dts: false, silent: true });
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
  for (const name of EXAMPLES) {
    const dest = join(exampleDir(name), 'node_modules/sealrtc');
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', dest, '--strip-components=1']);
    // Plain Vite CLI, no plugins; other dependencies resolve upward to the repository's node_modules.
    execFileSync(join(root, 'node_modules/.bin/vite'), ['build', '--outDir', distOf(name), '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: exampleDir(name),
      stdio: 'pipe',
    });
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const child of children) child.kill('SIGTERM');
  for (const close of closers) await close();
  for (const name of EXAMPLES) rmSync(join(exampleDir(name), 'node_modules/sealrtc'), { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** Starts `node <script>` in an example (free ports) and resolves with the JSON line it prints. */
async function startServer(name, script, env = {}) {
  const child = spawn(process.execPath, [script], {
    cwd: exampleDir(name),
    env: { ...process.env, PORT: '0', RELAY_PORT: '0', DIST: distOf(name), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const exited = new Promise((_, fail) => child.once('exit', (code) => fail(new Error(`${name}/${script} exited with ${code}`))));
  const firstLine = new Promise((ok) => createInterface({ input: child.stdout }).once('line', ok));
  const line = await Promise.race([firstLine, exited]);
  return { info: JSON.parse(line), child };
}

/** Opens a page and waits until it joined (or failed to). */
async function openApp(url) {
  const p = await openPage(browser, url);
  await p.page.waitForSelector('#status[data-joined], #status[data-error]', { timeout: 120_000 });
  return p;
}

/** What one participant's tile on `p` shows about `who`. */
const tileOf = (p, who) => () =>
  p.page.evaluate((w) => {
    const fig = document.querySelector(`figure[data-participant="${w}"]`);
    const v = fig?.querySelector('video');
    return { e2ee: fig?.dataset.e2ee, frames: v?.getVideoPlaybackQuality().totalVideoFrames ?? 0, width: v?.videoWidth ?? 0, caption: fig?.textContent ?? '' };
  }, who);
// The source is 640 wide; on a busy machine Chromium's CPU adaptation sends it scaled down (480, 320…).
const decoding = (t) => t.e2ee === 'encrypted' && t.frames >= 10 && t.width >= 160 && t.width <= 640;
const safetyNumber = (t) => /safety number (\d[\d ]+)/.exec(t.caption)?.[1];

/** Both pages show the other's video decrypting, with matching safety numbers. */
async function assertCall(a, aId, b, bId) {
  const ab = await pollUntil(tileOf(a, bId), decoding, { attempts: 300 });
  const ba = await pollUntil(tileOf(b, aId), decoding, { attempts: 300 });
  assert.ok(decoding(ab), `${aId}'s tile of ${bId}: ${JSON.stringify(ab)}`);
  assert.ok(decoding(ba), `${bId}'s tile of ${aId}: ${JSON.stringify(ba)}`);
  assert.ok(safetyNumber(ab));
  assert.equal(safetyNumber(ab), safetyNumber(ba));
}

function assertNoNodeShims(name) {
  const assets = join(distOf(name), 'assets');
  const code = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
  assert.ok(code.length > 0, `${name}: no bundle`);
  assert.ok(!/from\s*["']node:|require\(["'](events|buffer|stream|process)["']\)/.test(code), `${name}: bundle asks for Node modules`);
}

test('examples/custom-signaling: a Signaling adapter over HTTP + Server-Sent Events carries an encrypted call', async () => {
  assertNoNodeShims('custom-signaling');
  const { info } = await startServer('custom-signaling', 'server.mjs');
  const alice = await openApp(`${info.url}/?room=sse-visit&id=alice`);
  const bob = await openApp(`${info.url}/?room=sse-visit&id=bob`);
  for (const p of [alice, bob]) assert.equal(await p.page.getAttribute('#status', 'data-error'), null, await p.page.textContent('#status'));
  await assertCall(alice, 'alice', bob, 'bob');
  assert.deepEqual([...alice.errors, ...bob.errors], []);
  await alice.context.close();
  await bob.context.close();
});

test('examples/node-relay: tokens from the app server admit the visit\'s users; every invalid token is denied', async () => {
  assertNoNodeShims('node-relay');
  const secret = randomBytes(32);
  const { info } = await startServer('node-relay', 'server.mjs', { SEALRTC_TOKEN_SECRET: secret.toString('base64') });
  const visit = 'visit-7f3a9c';

  // The app server: only a logged-in user on the visit gets a token.
  const ask = (session) =>
    fetch(`${info.url}/api/join-token?visit=${visit}`, session ? { headers: { authorization: `Bearer ${session}` } } : {});
  assert.equal((await ask(undefined)).status, 401);
  assert.equal((await ask('session-mallory')).status, 403);
  const granted = await ask('session-dr-lee');
  assert.equal(granted.status, 200);
  const { token, relayUrl } = await granted.json();
  assert.equal(relayUrl, info.relayUrl);

  // The relay, through the packed client in Node: only valid tokens join.
  const pkg = join(exampleDir('node-relay'), 'node_modules/sealrtc/dist');
  const { WebSocketSignaling } = await import(join(pkg, 'index.js'));
  const { signJoinToken } = await import(join(pkg, 'relay.js'));
  const { WebSocket } = await import('ws');
  const connect = (roomId, tok) => WebSocketSignaling.connect({ url: relayUrl, roomId, token: tok, WebSocket, connectTimeoutMs: 30_000 });
  const deniedCode = async (roomId, tok) => {
    try {
      const s = await connect(roomId, tok);
      s.close();
      return 'joined';
    } catch (e) {
      return e.code;
    }
  };
  const now = Math.floor(Date.now() / 1000);
  const forged = await signJoinToken({ room: visit, peer: 'dr-lee', exp: now + 60 }, { hmacSecret: randomBytes(32) });
  const expired = await signJoinToken({ room: visit, peer: 'probe', exp: now - 1 }, { hmacSecret: secret });
  const tampered = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
  assert.equal(await deniedCode(visit, forged), 'join-denied', 'token signed with another secret');
  assert.equal(await deniedCode(visit, expired), 'join-denied', 'expired token');
  assert.equal(await deniedCode(visit, tampered), 'join-denied', 'tampered signature');
  assert.equal(await deniedCode('visit-other', token), 'join-denied', 'token for another visit');
  assert.equal(await deniedCode(visit, undefined), 'join-denied', 'no token');
  const probe = await connect(visit, await signJoinToken({ room: visit, peer: 'probe', exp: now + 60 }, { hmacSecret: secret }));
  assert.equal(probe.localId, 'probe', 'a valid token joins, under the token\'s peer id');
  probe.close();

  // In the browser: the two users on the visit hold an encrypted call; mallory gets no token.
  const lee = await openApp(`${info.url}/?session=session-dr-lee`);
  const kim = await openApp(`${info.url}/?session=session-pat-kim`);
  assert.equal(await lee.page.getAttribute('#status', 'data-joined'), 'dr-lee', await lee.page.textContent('#status'));
  assert.equal(await kim.page.getAttribute('#status', 'data-joined'), 'pat-kim', await kim.page.textContent('#status'));
  await assertCall(lee, 'dr-lee', kim, 'pat-kim');
  assert.deepEqual([...lee.errors, ...kim.errors], []);
  const mallory = await openApp(`${info.url}/?session=session-mallory`);
  assert.equal(await mallory.page.getAttribute('#status', 'data-error'), 'app');
  assert.match(await mallory.page.textContent('#status'), /HTTP 403/);
  for (const p of [lee, kim, mallory]) await p.context.close();
});

/** Serves a built example on 127.0.0.1; records paths the page asked for that the build lacks. */
async function serveStatic(dir) {
  const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
  const missing = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    const file = resolve(dir, `.${path === '/' ? '/index.html' : path}`);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      missing.push(path);
      return void res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  closers.push(() => new Promise((ok) => server.close(ok)));
  return { url: `http://127.0.0.1:${server.address().port}`, missing };
}

test('examples/react: the useSealRoom hook and <Call> hold an encrypted call through the reference relay', async () => {
  assertNoNodeShims('react');
  const bundle = readdirSync(join(distOf('react'), 'assets')).map((f) => readFileSync(join(distOf('react'), 'assets', f), 'utf8')).join('\n');
  assert.match(bundle, /react\.dev|__reactFiber|useState/i, 'React is in the bundle');
  const { createRelayServer } = await import(join(exampleDir('react'), 'node_modules/sealrtc/dist/relay.js'));
  const relay = await createRelayServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
  closers.push(() => relay.close());
  const site = await serveStatic(distOf('react'));
  const url = (name) => `${site.url}/?room=react-visit&name=${name}&relay=${encodeURIComponent(relay.url)}`;
  const alice = await openApp(url('alice'));
  const bob = await openApp(url('bob'));
  for (const p of [alice, bob]) assert.equal(await p.page.getAttribute('#status', 'data-error'), null, await p.page.textContent('#status'));
  await assertCall(alice, 'alice', bob, 'bob');
  // Both see the same call code (the hook follows the room's 'call-code' event).
  const code = (p) => p.page.textContent('#call-code');
  const codes = await pollUntil(async () => [await code(alice), await code(bob)], ([a, b]) => a === b && /\d{4}-\d{4}-\d{4}/.test(a ?? ''), { attempts: 100 });
  assert.equal(codes[0], codes[1]);
  assert.match(codes[0] ?? '', /\d{4}-\d{4}-\d{4}/);
  assert.deepEqual(site.missing, []);
  assert.deepEqual([...alice.errors, ...bob.errors], []);
  await alice.context.close();
  await bob.context.close();
});
