/**
 * A signaling server with no WebSocket at all: plain HTTP POST to send, Server-Sent Events to
 * receive. It forwards opaque bytes between the peers of a room and knows nothing about
 * sealrtc; sealrtc authenticates and encrypts everything before it gets here, so this server
 * (like any transport) is untrusted. It also serves the built page (`dist/`, or `DIST`).
 *
 *   GET  /signal/events?room=R&peer=P   → text/event-stream
 *          event: message  data: {"from": "<peer>", "data": "<base64>"}
 *          event: left     data: <peer id>
 *   POST /signal/send?room=R&peer=P     ← {"to": "<peer>" | "*", "data": "<base64>"}  → 204
 *
 * Run: `node server.mjs` (PORT, default 8790; HOST, default 127.0.0.1).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve } from 'node:path';

const DIST = resolve(process.env.DIST ?? join(import.meta.dirname, 'dist'));
const MAX_BODY = 128 * 1024; // sealrtc messages are at most 64 KiB before base64
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** room id → (peer id → open event stream) */
const rooms = new Map();

function sse(res, event, data) {
  res.write(`event: ${event}\ndata: ${data}\n\n`);
}

function openStream(room, peer, req, res) {
  const peers = rooms.get(room) ?? new Map();
  if (peers.has(peer)) return void res.writeHead(409).end('peer id in use');
  rooms.set(room, peers);
  peers.set(peer, res);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': open\n\n');
  const keepAlive = setInterval(() => res.write(': ping\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(keepAlive);
    if (peers.get(peer) !== res) return;
    peers.delete(peer);
    if (peers.size === 0) rooms.delete(room);
    for (const other of peers.values()) sse(other, 'left', peer);
  });
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function forward(room, peer, req, res) {
  const peers = rooms.get(room);
  if (!peers?.has(peer)) return void res.writeHead(403).end('open the event stream first');
  let msg;
  try {
    msg = JSON.parse(await readBody(req));
  } catch (e) {
    return void res.writeHead(400).end(e instanceof Error ? e.message : 'bad body');
  }
  if (typeof msg?.to !== 'string' || typeof msg?.data !== 'string') return void res.writeHead(400).end('need to and data');
  const out = JSON.stringify({ from: peer, data: msg.data });
  for (const [id, stream] of peers) if (id !== peer && (msg.to === '*' || msg.to === id)) sse(stream, 'message', out);
  res.writeHead(204).end();
}

function serveFile(path, res) {
  if (path === '/favicon.ico') return void res.writeHead(204).end();
  const file = resolve(DIST, `.${path === '/' ? '/index.html' : path}`);
  if (!file.startsWith(DIST) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const room = url.searchParams.get('room') ?? '';
  const peer = url.searchParams.get('peer') ?? '';
  const ids = room.length > 0 && room.length <= 256 && peer.length > 0 && peer.length <= 128;
  if (url.pathname === '/signal/events' && req.method === 'GET') return ids ? openStream(room, peer, req, res) : void res.writeHead(400).end();
  if (url.pathname === '/signal/send' && req.method === 'POST') {
    if (!ids) return void res.writeHead(400).end();
    return void forward(room, peer, req, res);
  }
  if (req.method === 'GET') return serveFile(url.pathname, res);
  res.writeHead(405).end();
});

server.listen(Number(process.env.PORT ?? 8790), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(JSON.stringify({ url: `http://${address}:${port}` }));
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
