/**
 * The app's own signaling transport, as sealrtc expects it: opaque bytes to one peer or to
 * everyone, over a WebSocket relay that speaks `{to, data}` / `{from, data}` / `{left}` JSON.
 * sealrtc authenticates and encrypts everything it sends through here; the relay is untrusted.
 */
import type { Signaling } from 'sealrtc';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Connects to `url` as `id` and resolves once the socket is open. */
export async function connectSignaling(url: string, id: string): Promise<Signaling> {
  const ws = new WebSocket(`${url}/?id=${encodeURIComponent(id)}`);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error('signaling relay unreachable')), { once: true });
  });
  const listeners = new Set<(from: string, data: Uint8Array) => void>();
  const left = new Set<(peerId: string) => void>();
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data)) as { from?: string; data?: string; left?: string };
    if (msg.left) for (const l of left) l(msg.left);
    if (msg.from && msg.data) {
      const bytes = Uint8Array.from(atob(msg.data), (c) => c.charCodeAt(0));
      for (const l of listeners) l(msg.from, bytes);
    }
  });
  return {
    localId: id,
    send: (to, data) => ws.send(JSON.stringify({ to, data: toBase64(data) })),
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onPeerLeft: (listener) => {
      left.add(listener);
      return () => left.delete(listener);
    },
  };
}
