// Packs sealrtc, installs the tarball into an empty scratch project, and checks that every public
// subpath loads both as ESM (`import`) and as CommonJS (`require`) and exposes its contract names.
// This is what a user's `npm i sealrtc` gets, not what the source tree happens to contain.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
/** subpath → names that must be exported (functions/classes/objects). */
const contract = {
  'sealrtc': ['SealError', 'joinRoom', 'createIdentity', 'WebSocketSignaling', 'verifyAuditLog', 'GroupKeySession'],
  'sealrtc/sframe': ['open', 'seal', 'encodeHeader', 'decodeHeader', 'deriveKeyMaterial', 'SFrameContext', 'SFrameError', 'CipherSuite'],
  'sealrtc/testing': ['MemorySignalingHub'],
  'sealrtc/relay': ['createRelayServer', 'createRelayCluster', 'signJoinToken', 'verifyJoinToken'],
  'sealrtc/worker': ['installTransformWorker'],
};

const work = mkdtempSync(join(tmpdir(), 'sealrtc-pack-'));
let failures = 0;
let passes = 0;
try {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const tarball = join(work, JSON.parse(out)[0].filename);
  const app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });

  for (const [spec, names] of Object.entries(contract)) {
    for (const mode of ['esm', 'cjs']) {
      const file = join(app, `check-${spec.replace(/\W/g, '_')}.${mode === 'esm' ? 'mjs' : 'cjs'}`);
      const load = mode === 'esm' ? `const m = await import(${JSON.stringify(spec)});` : `const m = require(${JSON.stringify(spec)});`;
      const body = `${load}
const missing = ${JSON.stringify(names)}.filter((n) => m[n] === undefined);
if (missing.length) { console.error('missing exports: ' + missing.join(', ')); process.exit(1); }`;
      writeFileSync(file, mode === 'esm' ? body : `(async () => { ${body} })().catch((e) => { console.error(e); process.exit(1); });`);
      try {
        execFileSync('node', [file], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'] });
        console.log(`ok - ${mode === 'esm' ? 'import' : 'require'}(${spec})`);
        passes++;
      } catch {
        console.log(`not ok - ${mode === 'esm' ? 'import' : 'require'}(${spec})`);
        failures++;
      }
    }
  }
  // The relay's bin runs from the installed tarball.
  try {
    const help = execFileSync('npx', ['--no-install', 'sealrtc-relay', '--help'], { cwd: app, encoding: 'utf8' });
    if (!/--port/.test(help)) throw new Error('no --port in help');
    console.log('ok - npx sealrtc-relay --help');
    passes++;
  } catch (e) {
    console.log(`not ok - npx sealrtc-relay --help: ${e instanceof Error ? e.message : e}`);
    failures++;
  }
  // A multi-core relay finds its worker entry inside the installed package, from ESM and from CJS,
  // and through the bin.
  for (const mode of ['esm', 'cjs']) {
    const file = join(app, `cluster.${mode === 'esm' ? 'mjs' : 'cjs'}`);
    const load = mode === 'esm' ? "const { createRelayCluster } = await import('sealrtc/relay');" : "const { createRelayCluster } = require('sealrtc/relay');";
    writeFileSync(file, `(async () => { ${load}
const relay = await createRelayCluster({ port: 0, workers: 2, logLevel: 'warn' });
const health = await (await fetch(relay.url.replace('ws:', 'http:') + '/healthz')).json();
if (health.status !== 'ok' || relay.workerPids().length !== 2) throw new Error('cluster not healthy: ' + JSON.stringify(health));
await relay.close({ drainMs: 100 });
})().catch((e) => { console.error(e); process.exit(1); });`);
    try {
      execFileSync('node', [file], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'], timeout: 30_000 });
      console.log(`ok - createRelayCluster with 2 workers (${mode})`);
      passes++;
    } catch {
      console.log(`not ok - createRelayCluster with 2 workers (${mode})`);
      failures++;
    }
  }
  try {
    const out = execFileSync('sh', ['-c', 'timeout --preserve-status -s TERM 5 ./node_modules/.bin/sealrtc-relay --port 0 --workers 2 --log-level warn; echo "exit $?"'], { cwd: app, encoding: 'utf8' });
    if (!/listening on ws:\/\//.test(out) || !/exit 0/.test(out)) throw new Error(out);
    console.log('ok - sealrtc-relay --workers 2 (listens, drains and exits 0 on SIGTERM)');
    passes++;
  } catch (e) {
    console.log(`not ok - sealrtc-relay --workers 2: ${e instanceof Error ? e.message : e}`);
    failures++;
  }
  // Internals must not be reachable through the exports map.
  try {
    execFileSync('node', ['-e', "import('sealrtc/dist/index.js').then(() => process.exit(1), () => process.exit(0))"], { cwd: app });
    console.log('ok - internals are not exported');
    passes++;
  } catch {
    console.log('not ok - sealrtc/dist/* is reachable');
    failures++;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
