/**
 * A loopback WebSocket signaling bridge for sealrtc's room tests: the untrusted relay.
 *
 * Each page connects to `ws://127.0.0.1:<port>/?id=<participant id>` and sends text frames
 * `{"to": id | "*", "data": base64}`; the bridge forwards `{"from", "data"}` and, when a socket
 * closes, tells the others `{"left": id}`. It keeps a log of every payload it forwarded so a test
 * can prove what the relay could and could not see.
 */
import { WebSocketServer } from 'ws';

/**
 * @returns {Promise<{ url: string, seen: Buffer[], close: () => Promise<void> }>}
 */
export async function startBridge() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((ok, fail) => {
    wss.once('listening', ok);
    wss.once('error', fail);
  });
  /** @type {Map<string, import('ws').WebSocket>} */
  const clients = new Map();
  /** @type {Buffer[]} */
  const seen = [];
  wss.on('connection', (ws, req) => {
    const id = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('id');
    if (!id || clients.has(id)) {
      ws.close(1008, 'bad id');
      return;
    }
    clients.set(id, ws);
    ws.on('message', (raw) => {
      let msg;
      try {
        msg = JSON.parse(String(raw));
      } catch {
        ws.close(1003, 'not JSON'); // a test page bug; the socket is closed so the test sees it
        return;
      }
      if (typeof msg?.to !== 'string' || typeof msg?.data !== 'string') return;
      seen.push(Buffer.from(msg.data, 'base64'));
      const out = JSON.stringify({ from: id, data: msg.data });
      for (const [other, sock] of clients) {
        if (other === id) continue;
        if (msg.to === '*' || msg.to === other) sock.send(out);
      }
    });
    ws.on('close', () => {
      if (clients.get(id) !== ws) return;
      clients.delete(id);
      for (const sock of clients.values()) sock.send(JSON.stringify({ left: id }));
    });
  });
  const address = wss.address();
  if (typeof address === 'string') throw new Error('bridge has no TCP address');
  return {
    url: `ws://127.0.0.1:${address.port}`,
    seen,
    close: () =>
      new Promise((ok) => {
        for (const sock of clients.values()) sock.terminate();
        wss.close(() => ok(undefined));
      }),
  };
}
