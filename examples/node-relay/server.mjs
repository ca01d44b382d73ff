/**
 * The reference relay, configured for production-style access control, next to a tiny app
 * server that decides who may join which visit and mints short-lived join tokens for them.
 *
 *   browser ── GET /api/join-token?visit=V  (Authorization: Bearer <session>) ──► app server
 *           ◄─ { token, relayUrl }                         checks the session and the visit's list
 *   browser ── WebSocketSignaling.connect({ url: relayUrl, roomId: V, token }) ──► relay
 *                                                          checks signature, expiry, room, peer
 *
 * The app server holds the signing secret; the relay only verifies. Sessions and visits are
 * hard-coded here: a real app takes them from its login and its scheduling database.
 *
 * Environment: SEALRTC_TOKEN_SECRET (base64, ≥ 32 bytes; a random one if unset), PORT (app,
 * default 8791), RELAY_PORT (default 8792), HOST (default 127.0.0.1), DIST (built page, default ./dist).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { createRelayServer, signJoinToken } from 'sealrtc/relay';

const HOST = process.env.HOST ?? '127.0.0.1';
const DIST = resolve(process.env.DIST ?? join(import.meta.dirname, 'dist'));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
const TOKEN_LIFETIME_S = 120;

// Never pass the secret on the command line (other users can read it); keep it in the environment.
const hmacSecret = process.env.SEALRTC_TOKEN_SECRET ? Buffer.from(process.env.SEALRTC_TOKEN_SECRET, 'base64') : randomBytes(32);

/** Demo sessions (session token → user id). A real app has a login. */
const SESSIONS = new Map([
  ['session-dr-lee', 'dr-lee'],
  ['session-pat-kim', 'pat-kim'],
  ['session-mallory', 'mallory'],
]);
/** Demo schedule (visit id → users allowed in it). Use opaque ids: the relay sees them. */
const VISITS = new Map([['visit-7f3a9c', new Set(['dr-lee', 'pat-kim'])]]);

const relay = await createRelayServer({
  port: Number(process.env.RELAY_PORT ?? 8792),
  host: HOST,
  tokenKey: { hmacSecret },
  limits: { maxPeersPerRoom: 8 }, // any limit can be tightened; the rest keep their defaults
  logLevel: 'warn',
});

async function mintToken(req, url, res) {
  const session = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const user = session ? SESSIONS.get(session) : undefined;
  if (!user) return void res.writeHead(401).end('log in first');
  const visit = url.searchParams.get('visit') ?? '';
  if (!VISITS.get(visit)?.has(user)) return void res.writeHead(403).end('not on this visit');
  const token = await signJoinToken({ room: visit, peer: user, exp: Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_S }, { hmacSecret });
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ token, relayUrl: relay.url }));
}

function serveFile(path, res) {
  if (path === '/favicon.ico') return void res.writeHead(204).end();
  const file = resolve(DIST, `.${path === '/' ? '/index.html' : path}`);
  if (!file.startsWith(DIST) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
}

const app = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/api/join-token' && req.method === 'GET') {
    mintToken(req, url, res).catch(() => res.writeHead(500).end());
    return;
  }
  if (req.method === 'GET') return serveFile(url.pathname, res);
  res.writeHead(405).end();
});

app.listen(Number(process.env.PORT ?? 8791), HOST, () => {
  const { address, port } = app.address();
  console.log(JSON.stringify({ url: `http://${address}:${port}`, relayUrl: relay.url }));
});
const stop = () => app.close(() => void relay.close().then(() => process.exit(0)));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
