#!/usr/bin/env node
/**
 * `npm run demo`: the sealrtc end-to-end encrypted call demo in one command.
 *
 * Starts the reference relay in this process (`createRelayServer`, loopback only) and one web
 * server that serves `examples/demo` (bundled with esbuild against the built `dist/`, or `src/`
 * with `--from src`) and forwards WebSocket upgrades on `/relay` to the relay, so the page and
 * its signaling share one origin and one port:
 *
 *   browser ──http(s)──▶ demo server :8787 ──/relay (WebSocket, bytes passed through)──▶ relay 127.0.0.1:<free>
 *
 *   node scripts/demo.mjs [--port 8787] [--host 127.0.0.1] [--ice '[{"urls":"turn:…"}]']
 *                         [--cert cert.pem --key key.pem] [--from dist|src]
 *
 * `PORT` in the environment sets the default port; when the default port is taken a free one is
 * used. No STUN/TURN server is used unless `--ice` names one. Ctrl-C stops everything.
 * `startDemo()` is what the command runs; the demo's browser test calls it directly.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const demoDir = resolve(root, 'examples/demo');
const STATIC = { '/': ['index.html', 'text/html; charset=utf-8'], '/index.html': ['index.html', 'text/html; charset=utf-8'], '/style.css': ['style.css', 'text/css'] };

/** Bundles the page against the built package (`dist`) or the sources (`src`). */
async function bundlePage(from) {
  const plugins = [];
  let sealrtc = resolve(root, 'dist/index.js');
  if (from === 'src') {
    const { inlineWorkerPlugin } = await import('../src/media/transform/inline-worker-plugin.mjs');
    plugins.push(inlineWorkerPlugin());
    sealrtc = resolve(root, 'src/index.ts');
  } else if (!existsSync(sealrtc)) {
    throw new Error('dist/ is missing: run `npm run build` first (npm run demo does it for you)');
  }
  const result = await build({
    entryPoints: [resolve(demoDir, 'main.ts')],
    bundle: true, write: false, platform: 'browser', format: 'esm', target: 'es2022',
    minify: true, sourcemap: 'inline', logLevel: 'warning', alias: { sealrtc }, plugins,
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error('esbuild produced no demo bundle');
  return out.text;
}

/** The relay module: from `dist`, or bundled from `src` for Node into .tmp/. */
async function loadRelay(from) {
  if (from !== 'src') return import(pathToFileURL(resolve(root, 'dist/relay.js')).href);
  const outfile = resolve(root, '.tmp/demo/relay.mjs');
  await build({
    entryPoints: [resolve(root, 'src/relay/index.ts')], outfile, bundle: true, platform: 'node', format: 'esm',
    target: 'node20', packages: 'external', logLevel: 'warning',
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

function listen(server, port, host) {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok(server.address().port);
    });
  });
}

/**
 * Starts the demo: relay + web server. Resolves once both listen.
 *
 * @param {{ port?: number, portIsDefault?: boolean, host?: string, iceServers?: object[], from?: 'dist' | 'src',
 *   tls?: { cert: Buffer, key: Buffer }, relayLogLevel?: string }} [opts]
 * @returns {Promise<{ url: string, relayUrl: string, port: number, lanUrls: string[], close(): Promise<void> }>}
 */
export async function startDemo(opts = {}) {
  const from = opts.from ?? 'dist';
  const host = opts.host ?? '127.0.0.1';
  const [page, relayModule] = await Promise.all([bundlePage(from), loadRelay(from)]);
  const relay = await relayModule.createRelayServer({ port: 0, host: '127.0.0.1', logLevel: opts.relayLogLevel ?? 'warn' });
  const config = JSON.stringify({ iceServers: opts.iceServers ?? [], relayPath: '/relay' });
  const files = new Map(Object.entries(STATIC).map(([path, [file, type]]) => [path, { type, body: readFileSync(resolve(demoDir, file)) }]));
  files.set('/main.js', { type: 'text/javascript', body: page });
  files.set('/config.json', { type: 'application/json', body: config });

  const handler = (req, res) => {
    const file = files.get(new URL(req.url ?? '/', 'http://demo').pathname);
    if (!file || req.method !== 'GET') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(file.body);
  };
  const server = opts.tls ? createHttps(opts.tls, handler) : createHttp(handler);
  const tunnels = new Set();
  // Forward WebSocket upgrades on /relay to the relay byte for byte (the relay sees the browser's handshake).
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://demo').pathname !== '/relay') return void socket.destroy();
    const upstream = connect(relay.port, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const pair = { socket, upstream };
    tunnels.add(pair);
    const drop = () => {
      tunnels.delete(pair);
      socket.destroy();
      upstream.destroy();
    };
    upstream.on('error', drop).on('close', drop);
    socket.on('error', drop).on('close', drop);
  });

  let port;
  try {
    port = await listen(server, opts.port ?? 8787, host);
  } catch (e) {
    if (e?.code !== 'EADDRINUSE' || !opts.portIsDefault) {
      await relay.close({ drainMs: 0 });
      throw e;
    }
    port = await listen(server, 0, host);
    console.log(`(port ${opts.port ?? 8787} is taken: using ${port})`);
  }
  const scheme = opts.tls ? 'https' : 'http';
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const lanUrls = host === '0.0.0.0' || host === '::'
    ? Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => `${scheme}://${a.address}:${port}/`)
    : [];
  let closing;
  return {
    url: `${scheme}://${shown}:${port}/`,
    relayUrl: `${opts.tls ? 'wss' : 'ws'}://${shown}:${port}/relay`,
    port,
    lanUrls,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise((ok) => server.close(() => ok()));
        await relay.close({ drainMs: 1_000 });
        for (const t of tunnels) t.socket.destroy();
        server.closeAllConnections();
        await closed;
      })()),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' }, host: { type: 'string' }, ice: { type: 'string' }, cert: { type: 'string' },
      key: { type: 'string' }, from: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log('usage: npm run demo -- [--port 8787] [--host 127.0.0.1|0.0.0.0] [--ice JSON] [--cert PEM --key PEM] [--from dist|src]');
    return;
  }
  const portText = values.port ?? process.env.PORT;
  const port = portText === undefined ? 8787 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
  const iceServers = values.ice === undefined ? [] : JSON.parse(values.ice);
  if (!Array.isArray(iceServers)) throw new Error('--ice must be a JSON array of RTCIceServer objects');
  if (Boolean(values.cert) !== Boolean(values.key)) throw new Error('--cert and --key go together');
  const tls = values.cert ? { cert: readFileSync(values.cert), key: readFileSync(values.key) } : undefined;
  const from = values.from === 'src' ? 'src' : 'dist';
  const demo = await startDemo({ port, portIsDefault: portText === undefined, host: values.host, iceServers, from, tls });

  console.log('\nsealrtc demo: end-to-end encrypted call\n');
  console.log(`  Open  ${demo.url}  in two tabs (each tab is one participant).`);
  console.log(`  Relay ${demo.relayUrl}  (sees only sealed messages; no keys, no SDP)`);
  if (demo.lanUrls.length > 0) {
    console.log(`  LAN   ${demo.lanUrls.join('  ')}`);
    if (!tls) console.log('        Browsers allow camera and encryption only on https or localhost: add --cert/--key for other machines.');
  } else {
    console.log('  Loopback only. To let other machines on your LAN join: npm run demo -- --host 0.0.0.0 --cert cert.pem --key key.pem');
  }
  console.log(`  ICE servers: ${iceServers.length === 0 ? 'none (add STUN/TURN with --ice JSON)' : JSON.stringify(iceServers)}`);
  console.log('\n  Ctrl-C to stop.\n');
  let stopping = false;
  const stop = () => {
    if (stopping) return void process.exit(1);
    stopping = true;
    console.log('\nstopping…');
    demo.close().then(() => process.exit(0), (e) => {
      console.error(`demo: shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
