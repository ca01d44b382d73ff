/**
 * `WebSocketSignaling`: the {@link Signaling} transport over a WebSocket to `sealrtc-relay`.
 *
 * Browser-safe: it uses `globalThis.WebSocket` (or an injected constructor, e.g. `ws` in Node)
 * and never imports Node code. It survives short drops: it reconnects with jittered backoff
 * and resumes its relay session, so messages sent or due during the drop arrive exactly once:
 *
 * - outgoing: every SEND carries a sequence number; it stays buffered until the relay acks it
 *   and is resent after a reconnect;
 * - incoming: the relay buffers deliveries until this client acks them and replays the rest
 *   on resume; the client drops anything it has seen (per relay session, and end to end per
 *   sender instance so a resend through another relay process is dropped too);
 * - presence: the relay reports a peer gone only after its resume grace period, so
 *   `onPeerLeft` fires when a peer is really gone, not on every blip.
 *
 * @module
 */
import { TypedEmitter } from '../events.js';
import type { Signaling } from './types.js';
import {
  ACK_DELAY_MS, ACK_EVERY, decodeRelayFrame, encodeClientFrame, INSTANCE_BYTES, RESUME_KEY_BYTES, type RelayFrame,
} from './envelope.js';
import { relayCode, SignalingError } from './errors.js';
import { Backoff, safeCall, SeenTracker, SendQueue, toBytes, type Pending } from './resume.js';
import type {
  SignalingState, WebSocketConstructor, WebSocketLike, WebSocketSignalingEvents, WebSocketSignalingOptions,
} from './websocket-options.js';

export type {
  SignalingState, WebSocketConstructor, WebSocketLike, WebSocketSignalingEvents, WebSocketSignalingOptions,
} from './websocket-options.js';

const FATAL_RECONNECTABLE = new Set(['slow-reader', 'idle-timeout', 'shutdown']);

/**
 * The reference WebSocket signaling client.
 *
 * @example
 * ```ts
 * const signaling = await WebSocketSignaling.connect({ url: 'wss://relay.example/ws', roomId, token });
 * signaling.onMessage((from, data) => console.log(from, data.length));
 * signaling.send('*', new Uint8Array([1, 2, 3]));
 * signaling.close();
 * ```
 */
export class WebSocketSignaling extends TypedEmitter<WebSocketSignalingEvents> implements Signaling {
  #localId = '';
  #state: SignalingState = 'connecting';
  readonly #opts: WebSocketSignalingOptions;
  readonly #urls: readonly string[];
  readonly #Ctor: WebSocketConstructor;
  readonly #instance = crypto.getRandomValues(new Uint8Array(INSTANCE_BYTES));
  readonly #resumeKey = crypto.getRandomValues(new Uint8Array(RESUME_KEY_BYTES));
  readonly #peers = new Set<string>();
  readonly #messageListeners = new Set<(from: string, data: Uint8Array) => void>();
  readonly #leftListeners = new Set<(peerId: string) => void>();
  readonly #seen = new SeenTracker();
  readonly #backoff: Backoff;
  #ws: WebSocketLike | undefined;
  #urlIndex = 0;
  #nextSeq = 1;
  readonly #unacked = new SendQueue();
  #deliverySeq = 0;
  #ackedDelivery = 0;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #lastRx = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #maxPayload = Number.MAX_SAFE_INTEGER;
  #joined = false;
  #firstJoin: { resolve: () => void; reject: (e: SignalingError) => void } | undefined;

  private constructor(opts: WebSocketSignalingOptions) {
    super();
    this.#opts = opts;
    this.#urls = typeof opts.url === 'string' ? [opts.url] : [...opts.url];
    const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new SignalingError('relay-unreachable', 'no WebSocket implementation: pass the WebSocket option');
    if (this.#urls.length === 0) throw new SignalingError('relay-unreachable', 'no relay URL given');
    this.#Ctor = Ctor;
    this.#backoff = new Backoff(opts.reconnect);
  }

  /**
   * Connect to the relay and join `roomId`; resolves once joined.
   *
   * @throws {SignalingError} `'relay-unreachable'` (no relay within `connectTimeoutMs`),
   *   `'join-denied'`, `'room-full'`, `'server-full'`, `'too-many-rooms'`, `'peer-id-taken'`, `'aborted'`.
   * @example
   * ```ts
   * import { WebSocket } from 'ws'; // Node only; browsers need no option
   * const s = await WebSocketSignaling.connect({ url: 'ws://127.0.0.1:8787', roomId: 'visit-42', WebSocket });
   * ```
   */
  static connect(opts: WebSocketSignalingOptions): Promise<WebSocketSignaling> {
    const s = new WebSocketSignaling(opts);
    return new Promise<WebSocketSignaling>((resolve, reject) => {
      const fail = (code: 'relay-unreachable' | 'aborted', why: string) => () => s.#fail(new SignalingError(code, why));
      const timeout = setTimeout(fail('relay-unreachable', 'no relay answered in time'), opts.connectTimeoutMs ?? 10_000);
      const onAbort = fail('aborted', 'connect aborted');
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        clearTimeout(timeout);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      s.#firstJoin = { resolve: () => (settle(), resolve(s)), reject: (e) => (settle(), reject(e)) };
      if (opts.signal?.aborted) onAbort();
      else void s.#dial();
    });
  }

  /** This endpoint's peer id in the room (assigned by the relay when none was asked for). */
  get localId(): string {
    return this.#localId;
  }
  /** Current connection state. */
  get state(): SignalingState {
    return this.#state;
  }
  /** Peers the relay reports present (excluding this one). */
  get peers(): ReadonlySet<string> {
    return this.#peers;
  }

  /**
   * Send opaque bytes to one peer, or to all others with `'*'`. Buffered until the relay acks
   * them, resent after a reconnect; delivered exactly once while the sender's session lives.
   *
   * @throws {SignalingError} `'closed'`, `'message-too-large'`, `'send-buffer-full'`.
   * @example
   * ```ts
   * signaling.send('*', bytes);
   * ```
   */
  send(to: string, data: Uint8Array): void {
    if (this.#state === 'closed') throw new SignalingError('closed', 'signaling is closed');
    if (data.length > this.#maxPayload) throw new SignalingError('message-too-large', 'payload exceeds the relay maximum');
    if (this.#unacked.items.length >= (this.#opts.maxUnackedMessages ?? 1024)) {
      throw new SignalingError('send-buffer-full', 'too many messages await the relay ack');
    }
    const m: Pending = { seq: this.#nextSeq++, to, payload: data.slice() };
    this.#unacked.items.push(m);
    if (this.#joined) this.#transmit(m);
  }

  /** @inheritDoc */
  onMessage(listener: (from: string, data: Uint8Array) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  /** Fires when the relay reports a peer gone for good (after its resume grace period). */
  onPeerLeft(listener: (peerId: string) => void): () => void {
    this.#leftListeners.add(listener);
    return () => this.#leftListeners.delete(listener);
  }

  /**
   * Leave the room and close. Idempotent; unsent messages are discarded.
   *
   * @example
   * ```ts
   * signaling.close(); signaling.close(); // second call is a no-op
   * ```
   */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#ws && this.#joined) this.#tx(encodeClientFrame({ t: 'leave' }));
    this.#shutdown(undefined);
  }

  #setState(s: SignalingState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.emit('state', s);
  }

  async #dial(): Promise<void> {
    const url = this.#urls[this.#urlIndex++ % this.#urls.length] as string;
    let token = new Uint8Array(0);
    try {
      const t = typeof this.#opts.token === 'function' ? await this.#opts.token() : this.#opts.token;
      if (t !== undefined) token = new TextEncoder().encode(t);
    } catch (cause) {
      this.#fail(new SignalingError('join-denied', 'the token provider failed', { cause }));
      return;
    }
    if (this.#state === 'closed') return;
    let ws: WebSocketLike;
    try {
      ws = new this.#Ctor(url);
    } catch (cause) {
      this.#fail(new SignalingError('relay-unreachable', 'invalid relay URL', { cause }));
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    ws.onopen = () => {
      if (this.#ws !== ws) return;
      this.#lastRx = Date.now();
      const peer = this.#localId || (this.#opts.peerId ?? '');
      this.#tx(encodeClientFrame({
        t: 'join', room: this.#opts.roomId, peer, token, resumeKey: this.#resumeKey, instance: this.#instance,
        lastDeliverySeq: this.#deliverySeq,
      }));
    };
    ws.onmessage = (ev) => {
      if (this.#ws !== ws) return;
      this.#lastRx = Date.now();
      let f: RelayFrame;
      try {
        f = decodeRelayFrame(toBytes(ev.data) ?? new Uint8Array(0));
      } catch (cause) {
        this.emit('error', new SignalingError('protocol-error', 'the relay sent a malformed or text frame', { cause }));
        return;
      }
      this.#onFrame(f);
    };
    ws.onclose = () => void (this.#ws === ws && this.#lost());
    ws.onerror = () => undefined; // the close event that always follows carries the outcome
  }

  #onFrame(f: RelayFrame): void {
    switch (f.t) {
      case 'welcome':
        return this.#onWelcome(f);
      case 'deliver':
        if (f.ackedSendSeq) this.#unacked.ackUpTo(f.ackedSendSeq); // the SEND ack it carries
        if (!this.#sequenced(f.seq)) return;
        if (!this.#seen.accept(f.from, f.srcInstance, f.srcSeq)) return;
        for (const l of [...this.#messageListeners]) safeCall(() => l(f.from, f.payload));
        return;
      case 'joined':
        if (this.#sequenced(f.seq)) this.#peerJoined(f.peer);
        return;
      case 'left':
        if (this.#sequenced(f.seq)) this.#peerLeft(f.peer);
        return;
      case 'ack':
        this.#unacked.ackUpTo(f.seq);
        return;
      case 'error': {
        const err = new SignalingError(relayCode(f.code), `relay error: ${relayCode(f.code)}`);
        if (!f.fatal) this.emit('error', err);
        else if (FATAL_RECONNECTABLE.has(f.code)) this.#dropSocket();
        else this.#fail(err);
        return;
      }
      case 'goaway':
        this.#dropSocket();
        return;
      case 'pong':
        return;
      default: {
        const never: never = f;
        return never;
      }
    }
  }

  #onWelcome(f: Extract<RelayFrame, { t: 'welcome' }>): void {
    this.#localId = f.peer;
    this.#maxPayload = f.maxPayloadBytes;
    this.#joined = true;
    this.#backoff.reset();
    if (!f.resumed) {
      // A fresh relay session: its delivery numbering restarts; reconcile presence.
      this.#deliverySeq = 0;
      this.#ackedDelivery = 0;
      const now = new Set(f.peers);
      for (const p of [...this.#peers]) if (!now.has(p)) this.#peerLeft(p);
      for (const p of f.peers) this.#peerJoined(p);
    }
    this.#unacked.ackUpTo(f.ackedSendSeq);
    for (const m of this.#unacked.items) this.#transmit(m);
    this.#startHeartbeat();
    this.#setState('open');
    this.#firstJoin?.resolve(); // settles asynchronously: clearing it next is safe
    this.#firstJoin = undefined;
  }

  /** Relay-session de-duplication of sequenced frames; schedules the cumulative ack. */
  #sequenced(seq: number): boolean {
    if (seq <= this.#deliverySeq) return false;
    this.#deliverySeq = seq;
    if (seq - this.#ackedDelivery >= ACK_EVERY) this.#sendAck();
    else this.#ackTimer ??= setTimeout(() => this.#sendAck(), ACK_DELAY_MS);
    return true;
  }

  #sendAck(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (!this.#joined || this.#ackedDelivery === this.#deliverySeq) return;
    this.#ackedDelivery = this.#deliverySeq;
    this.#tx(encodeClientFrame({ t: 'ack', seq: this.#deliverySeq }));
  }

  #peerJoined(p: string): void {
    if (p === this.#localId || this.#peers.has(p)) return;
    this.#peers.add(p);
    this.emit('peer-joined', p);
  }

  #peerLeft(p: string): void {
    if (!this.#peers.delete(p)) return;
    this.#seen.forget(p);
    this.emit('peer-left', p);
    for (const l of [...this.#leftListeners]) safeCall(() => l(p));
  }

  /** Send one SEND; it carries the cumulative delivery ack, so no separate ACK is owed up to it. */
  #transmit(m: Pending): void {
    const ack = this.#deliverySeq;
    if (!this.#tx(encodeClientFrame({ t: 'send', seq: m.seq, ack, to: m.to, payload: m.payload }))) return;
    this.#ackedDelivery = ack; // everything delivered so far: no ACK frame is owed
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
  }

  /** Hand bytes to the socket; false if there is no open socket or it refused them. */
  #tx(bytes: Uint8Array): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== 1) return false;
    try {
      ws.send(bytes);
      return true;
    } catch (cause) {
      this.emit('error', new SignalingError('protocol-error', 'socket send failed', { cause }));
      return false;
    }
  }

  #startHeartbeat(): void {
    clearInterval(this.#heartbeat);
    const every = this.#opts.heartbeatMs ?? 10_000;
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastRx > every * 2.5) this.#dropSocket();
      else this.#tx(encodeClientFrame({ t: 'ping' }));
    }, every);
  }

  /** Abandon the current socket (dead link, goaway, transient fatal) and reconnect. */
  #dropSocket(): void {
    const ws = this.#ws;
    if (ws) {
      this.#ws = undefined;
      ws.onmessage = null;
      ws.onclose = null;
      ws.close();
    }
    this.#lost();
  }

  #lost(): void {
    this.#ws = undefined;
    this.#joined = false;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#state === 'closed') return;
    if (this.#state === 'open') this.#setState('reconnecting');
    const delay = this.#backoff.next();
    if (delay === undefined) {
      this.#fail(new SignalingError('relay-unreachable', 'the relay stayed unreachable'));
      return;
    }
    this.#retryTimer = setTimeout(() => void this.#dial(), delay);
  }

  #fail(err: SignalingError): void {
    if (this.#state === 'closed') return;
    this.#shutdown(err);
  }

  #shutdown(reason: SignalingError | undefined): void {
    this.#setState('closed');
    clearInterval(this.#heartbeat);
    clearTimeout(this.#ackTimer);
    clearTimeout(this.#retryTimer);
    const ws = this.#ws;
    this.#ws = undefined;
    this.#joined = false;
    if (ws) {
      ws.onmessage = null;
      ws.onclose = null;
      ws.close(1000);
    }
    this.#unacked.items.length = 0;
    this.#resumeKey.fill(0);
    const first = this.#firstJoin;
    this.#firstJoin = undefined;
    if (first) first.reject(reason ?? new SignalingError('closed', 'closed before joining'));
    this.emit('closed', reason);
    this.#messageListeners.clear();
    this.#leftListeners.clear();
  }

}

