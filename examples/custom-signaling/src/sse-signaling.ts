/**
 * A sealrtc `Signaling` adapter over plain HTTP: `fetch` POSTs to send, an `EventSource`
 * (Server-Sent Events) to receive. Nothing here is secret or trusted: sealrtc hands the adapter
 * opaque, already authenticated and encrypted bytes, and checks everything it receives.
 */
import type { Signaling } from 'sealrtc';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** A {@link Signaling} that can also be closed (the app's side of the transport). */
export interface SseSignaling extends Signaling {
  close(): void;
}

/** Opens the event stream for `peerId` in `roomId` on `baseUrl` and resolves once it is open. */
export async function connectSseSignaling(baseUrl: string, roomId: string, peerId: string): Promise<SseSignaling> {
  const query = `room=${encodeURIComponent(roomId)}&peer=${encodeURIComponent(peerId)}`;
  const events = new EventSource(`${baseUrl}/signal/events?${query}`);
  await new Promise<void>((resolve, reject) => {
    events.addEventListener('open', () => resolve(), { once: true });
    events.addEventListener('error', () => reject(new Error('signaling server unreachable')), { once: true });
  });

  const messageListeners = new Set<(from: string, data: Uint8Array) => void>();
  const leftListeners = new Set<(peerId: string) => void>();
  events.addEventListener('message', (event) => {
    const msg = JSON.parse(event.data as string) as { from: string; data: string };
    for (const listener of messageListeners) listener(msg.from, fromBase64(msg.data));
  });
  events.addEventListener('left', (event) => {
    for (const listener of leftListeners) listener(event.data as string);
  });

  // POSTs are chained so messages from this peer arrive in the order they were sent
  // (sealrtc copes with reordering, but in-order delivery means fewer handshake retries).
  let queue = Promise.resolve();
  return {
    localId: peerId,
    send(to, data) {
      const body = JSON.stringify({ to, data: toBase64(data) });
      queue = queue
        .then(async () => {
          const res = await fetch(`${baseUrl}/signal/send?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
          if (!res.ok) console.warn(`signaling: send failed with HTTP ${res.status}`); // never log the payload
        })
        .catch((e: unknown) => console.warn('signaling: send failed', e instanceof Error ? e.message : e));
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onPeerLeft(listener) {
      leftListeners.add(listener);
      return () => leftListeners.delete(listener);
    },
    close: () => events.close(),
  };
}
