/**
 * The pluggable, untrusted transport between participants.
 *
 * sealrtc hands the transport opaque bytes and never needs it to understand them.
 * The transport is assumed hostile: `from` may lie, and messages may be dropped,
 * delayed, duplicated, reordered, replayed, altered or forged. Everything sealrtc
 * sends through it is authenticated end to end before it is acted on.
 *
 * @module
 */

/**
 * A signaling transport for one room, implemented by the app (or use
 * `WebSocketSignaling` with the reference relay, or `MemorySignalingHub` in tests).
 *
 * @example
 * ```ts
 * const signaling: Signaling = {
 *   localId: myPeerId,
 *   send: (to, data) => myTransport.post({ to, data }),
 *   onMessage: (listener) => myTransport.subscribe((m) => listener(m.from, m.data)),
 * };
 * ```
 */
export interface Signaling {
  /** This endpoint's id in the room, as the transport knows it. */
  readonly localId: string;
  /** Send opaque bytes to one peer, or to every other peer in the room with `to = '*'`. */
  send(to: string, data: Uint8Array): void;
  /** Receive opaque bytes; returns an unsubscribe function. */
  onMessage(listener: (from: string, data: Uint8Array) => void): () => void;
  /** Optional: the transport's presence — a peer disconnected. */
  onPeerLeft?(listener: (peerId: string) => void): () => void;
}

/** The `to` value that addresses every other peer in the room. */
export const BROADCAST = '*';
