/**
 * The types around `WebSocketSignaling`: the minimal WebSocket surface it needs (so the
 * browser's and `ws`'s both fit), its options, states and events.
 *
 * @module
 */
import type { SignalingError } from './errors.js';
import type { ReconnectOptions } from './resume.js';

/**
 * An event handler slot. Written as a method so that handler parameters compare
 * bivariantly: the browser's and `ws`'s richer event types both fit.
 */
export type Handler<E> = { handle(ev: E): void }['handle'];

/** The part of the WebSocket API this client uses (the browser's, or `ws`'s in Node). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  /** Send one binary frame. */
  send(data: Uint8Array): void;
  /** Close the socket. */
  close(code?: number, reason?: string): void;
  /** Called once the socket is open. */
  onopen: ((ev: never) => void) | null;
  /** Called with each received frame. */
  onmessage: Handler<{ data: unknown }> | null;
  /** Called when the socket closed, with its close code. */
  onclose: Handler<{ code: number }> | null;
  /** Called on a socket error (a close follows). */
  onerror: ((ev: never) => void) | null;
}

/** A WebSocket constructor: `globalThis.WebSocket` or `import { WebSocket } from 'ws'`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Connection state. */
export type SignalingState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Options of {@link WebSocketSignaling.connect}. */
export interface WebSocketSignalingOptions {
  /** Relay URL(s), `ws://` or `wss://`. With several, reconnects rotate through them. */
  url: string | readonly string[];
  /** Room to join (1..255 UTF-8 bytes). */
  roomId: string;
  /** Peer id to use; default: the join token's, else one the relay assigns. */
  peerId?: string;
  /** Join token minted by the app's server; a function is called again before every reconnect. */
  token?: string | (() => string | Promise<string>);
  /** WebSocket constructor; default `globalThis.WebSocket` (Node 20 has none: pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  /** Heartbeat interval; the link counts as dead after 2.5× without a byte. Default 10 000 ms. */
  heartbeatMs?: number;
  /** Give up the first connection after this long. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Reconnect backoff and budget. */
  reconnect?: ReconnectOptions;
  /** Most messages awaiting the relay's ack before `send` throws `'send-buffer-full'`. Default 1024. */
  maxUnackedMessages?: number;
  /** Cancels the initial connect. */
  signal?: AbortSignal;
}

/** Events of {@link WebSocketSignaling}. */
export interface WebSocketSignalingEvents {
  [event: string]: unknown[];
  state: [state: SignalingState];
  'peer-joined': [peerId: string];
  'peer-left': [peerId: string];
  /** A non-fatal problem (a message the relay dropped, a malformed frame from the relay). */
  error: [error: SignalingError];
  /** Closed for good; `reason` is absent after `close()`. */
  closed: [reason: SignalingError | undefined];
}

