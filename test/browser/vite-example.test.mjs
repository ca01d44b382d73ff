/**
 * Proves that an app bundling sealrtc with plain Vite (no Node polyfill plugins) builds and runs
 * (issue #4 §3): build sealrtc, pack it as npm would publish it, install the tarball's contents as
 * `examples/vite-app/node_modules/sealrtc`, build the example with the Vite CLI, serve the output
 * on 127.0.0.1 and hold a two-party encrypted call between two Chromium contexts.
 * Run with `npm run test:browser` (inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium, openPage, pollUntil } from './harness/index.mjs';
import { startBridge } from './servers/bridge.mjs';

const root = resolve(import.meta.dirname, '../..');
const app = join(root, 'examples/vite-app');
const work = mkdtempSync(join(tmpdir(), 'sealrtc-vite-'));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

let browser;
let bridge;
let server;
let url;
/** Paths the app asked for that the build did not produce. */
const missing = [];

async function buildEverything() {
  // The JS build only: a Vite app needs no .d.ts (and a type-declaration failure elsewhere
  // must not hide whether the runtime bundle works).
  const { build } = await import('tsup');
  await build({ dts: false, silent: true });
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
  const dest = join(app, 'node_modules/sealrtc');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', dest, '--strip-components=1']);
  // Plain Vite: its CLI, no config file, no plugins. Dependencies resolve upward to the repo's node_modules.
  execFileSync(join(root, 'node_modules/.bin/vite'), ['build', '--outDir', join(work, 'dist'), '--emptyOutDir', '--logLevel', 'warn'], { cwd: app, stdio: 'pipe' });
}

before(async () => {
  await buildEverything();
  const dist = join(work, 'dist');
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = resolve(dist, `.${path === '/' ? '/index.html' : path}`);
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    if (!file.startsWith(dist) || !existsSync(file)) {
      missing.push(path);
      return void res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${server.address().port}`;
  [browser, bridge] = await Promise.all([launchChromium(), startBridge()]);
});

after(async () => {
  await browser?.close();
  await bridge?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
  rmSync(work, { recursive: true, force: true });
  rmSync(join(app, 'node_modules/sealrtc'), { recursive: true, force: true });
});

test('examples/vite-app: built by plain Vite, two people hold an encrypted call in Chromium', async () => {
  const assets = readdirSync(join(work, 'dist/assets')).filter((f) => f.endsWith('.js'));
  const code = assets.map((f) => readFileSync(join(work, 'dist/assets', f), 'utf8')).join('\n');
  assert.ok(code.length > 0);
  // No Node shims leaked in: nothing reaches for Node's module system or a Buffer polyfill package.
  assert.ok(!/from\s*["']node:|require\(["'](events|buffer|stream|process)["']\)/.test(code), 'bundle asks for Node modules');

  const open = async (id) => {
    const p = await openPage(browser, `${url}/index.html?id=${id}&room=vite-demo&signal=${encodeURIComponent(bridge.url)}`);
    await p.page.waitForSelector('#status[data-joined], #status[data-error]');
    assert.equal(await p.page.getAttribute('#status', 'data-error'), null, await p.page.textContent('#status'));
    return p;
  };
  const alice = await open('alice');
  const bob = await open('bob');

  const tileOf = (p, who) => () =>
    p.page.evaluate((w) => {
      const fig = document.querySelector(`figure[data-participant="${w}"]`);
      const v = fig?.querySelector('video');
      return { e2ee: fig?.dataset.e2ee, frames: v?.getVideoPlaybackQuality().totalVideoFrames ?? 0, width: v?.videoWidth ?? 0, caption: fig?.textContent ?? '' };
    }, who);
  // The source is 640 wide; on a busy machine Chromium's CPU adaptation sends it scaled down (480, 320…).
  const ok = (t) => t.e2ee === 'encrypted' && t.frames >= 10 && t.width >= 160 && t.width <= 640;
  const a = await pollUntil(tileOf(alice, 'bob'), ok, { attempts: 150 });
  const b = await pollUntil(tileOf(bob, 'alice'), ok, { attempts: 150 });
  assert.ok(ok(a), `alice's tile of bob: ${JSON.stringify(a)}`);
  assert.ok(ok(b), `bob's tile of alice: ${JSON.stringify(b)}`);
  const number = (t) => /safety number (\d[\d ]+)/.exec(t.caption)?.[1];
  assert.ok(number(a));
  assert.equal(number(a), number(b));
  assert.deepEqual(missing, []);
  assert.deepEqual([...alice.errors, ...bob.errors], []);
  await alice.context.close();
  await bob.context.close();
});
