/**
 * Child processes for the scale-out tests: Debian's `redis-server` on a free loopback port,
 * and relay processes running the real CLI (bundled from src/relay/cli.ts with esbuild).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { Redis } from 'ioredis';
import { until } from './helpers.js';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  if (!a || typeof a === 'string') throw new Error('no port');
  return a.port;
}

export interface Child {
  proc: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

function track(proc: ChildProcess): Child {
  const out: string[] = [];
  proc.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  proc.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out, exited };
}

export async function startRedis(): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const child = track(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'pipe' }));
  const url = `redis://127.0.0.1:${port}`;
  let up = false;
  const deadline = Date.now() + 10_000;
  while (!up && Date.now() < deadline) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined); // the failed attempts are expected while it starts
    up = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
    probe.disconnect();
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  if (!up) throw new Error(`redis-server did not start: ${child.out.join('')}`);
  return { url, child };
}

let bundled: Promise<{ cli: string; worker: string }> | undefined;
/**
 * Bundle the relay CLI and the relay worker entry once, side by side as in `dist/` (packages
 * stay external: the installed ioredis is used).
 */
function bundles(): Promise<{ cli: string; worker: string }> {
  bundled ??= (async () => {
    const dir = resolve(import.meta.dirname, '../../.tmp/test-relay');
    mkdirSync(dir, { recursive: true });
    const one = async (src: string, name: string): Promise<string> => {
      const out = resolve(dir, name);
      await build({
        entryPoints: [resolve(import.meta.dirname, '../../src/relay', src)],
        outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
      });
      return out;
    };
    const [cli, worker] = await Promise.all([one('cli.ts', 'relay-cli.mjs'), one('worker-main.ts', 'relay-worker.js')]);
    return { cli, worker };
  })();
  return bundled;
}
export const relayCli = async (): Promise<string> => (await bundles()).cli;
/** The worker entry of a multi-core relay, for `createRelayCluster({ workerScript })` in tests. */
export const relayWorkerScript = async (): Promise<string> => (await bundles()).worker;

export async function startRelayProcess(args: string[], env: Record<string, string> = {}): Promise<Child & { url: string }> {
  const cli = await relayCli();
  const child = track(spawn(process.execPath, [cli, '--port', '0', ...args], { stdio: 'pipe', env: { ...process.env, ...env } }));
  await until(() => /listening on (ws:\/\/\S+)/.test(child.out.join('')) || child.proc.exitCode !== null, 10_000, 'relay process');
  const m = /listening on (ws:\/\/\S+)/.exec(child.out.join(''));
  if (!m?.[1]) throw new Error(`relay did not start: ${child.out.join('')}`);
  return { ...child, url: m[1] };
}
