/**
 * The browser side of the room tests' signaling bridge (test/browser/servers/bridge.mjs): a
 * `Signaling` over one WebSocket, payloads as base64 inside JSON text frames.
 */
import type { Signaling } from '../../../src/index.js';

/** base64 of any length (String.fromCharCode in chunks: one spread of a large array overflows the stack). */
function base64(d: Uint8Array): string {
  let s = '';
  for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Connect to the bridge at `url` as `id`. `ignore(from)` drops a sender's messages on arrival
 * (a member that never hears, say, the host).
 */
export async function bridgeSignaling(url: string, id: string, ignore: (from: string) => boolean = () => false): Promise<Signaling> {
  const ws = new WebSocket(`${url}/?id=${encodeURIComponent(id)}`);
  await new Promise<void>((ok, fail) => {
    ws.onopen = () => ok();
    ws.onerror = () => fail(new Error('bridge unreachable'));
  });
  const listeners = new Set<(from: string, data: Uint8Array) => void>();
  const left = new Set<(id: string) => void>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data)) as { from?: string; data?: string; left?: string };
    if (msg.left) for (const l of left) l(msg.left);
    if (msg.from && msg.data && !ignore(msg.from)) {
      const bytes = Uint8Array.from(atob(msg.data), (c) => c.charCodeAt(0));
      for (const l of listeners) l(msg.from, bytes);
    }
  };
  return {
    localId: id,
    send: (to, data) => ws.send(JSON.stringify({ to, data: base64(data) })),
    onMessage: (l) => (listeners.add(l), () => listeners.delete(l)),
    onPeerLeft: (l) => (left.add(l), () => left.delete(l)),
  };
}
