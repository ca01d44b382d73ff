/**
 * One client WebSocket on the relay: parses the envelope, enforces per-connection limits and
 * turns frames into hub calls. Every problem is answered to this connection only, with an
 * ERROR frame carrying a stable code (and, when fatal, a close code in the 4000 range).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { WireSocket } from './wire.js';
import {
  ACK_DELAY_MS, ACK_EVERY, decodeClientFrame, encodeRelayFrame, EnvelopeError, type ClientFrame,
} from '../signaling/envelope.js';
import type { Hub, Link, Session } from './hub.js';
import { TokenBucket } from './limits.js';
import { JoinTokenError, verifyJoinToken, type TokenKey } from './tokens.js';

/** Close codes sent with fatal errors (RFC 6455 §7.4.2: 4000–4999 are the application's). */
export const CLOSE_CODES: Readonly<Record<string, number>> = {
  'text-frame': 1003,
  'malformed-envelope': 4000,
  'not-joined': 4001,
  'join-denied': 4003,
  'room-full': 4004,
  'too-many-rooms': 4005,
  'server-full': 4006,
  'peer-id-taken': 4009,
  'slow-reader': 4010,
  'idle-timeout': 4011,
  'join-timeout': 4012,
  'session-resumed': 4013,
  'session-ended': 4014,
  flood: 4029,
};
/** Fatal codes after which the peer may come back: keep its session for the grace period. */
const RESUMABLE = new Set(['slow-reader', 'idle-timeout', 'session-resumed']);

/**
 * Connections that owe their client an ACK, in the order they started owing, served by one timer
 * (not one per connection): each gets its ACK frame {@link ACK_DELAY_MS} after it started owing,
 * unless a DELIVER carried the ack first.
 */
const owing = new Set<Conn>();
let flushTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleAckFlush(now: number): void {
  if (flushTimer !== undefined) return;
  const first = owing.values().next().value;
  if (first === undefined) return;
  flushTimer = setTimeout(flushOwedAcks, Math.max(1, first.owedSince + ACK_DELAY_MS - now)).unref();
}
function flushOwedAcks(): void {
  flushTimer = undefined;
  const now = Date.now();
  for (const c of owing) {
    if (now - c.owedSince < ACK_DELAY_MS) break;
    c.flushAck(); // removes c from the set
  }
  scheduleAckFlush(now);
}

/** What a connection needs from the server around it. */
export interface ConnContext {
  hub: Hub;
  tokenKey: TokenKey | undefined;
  tap: ((direction: 'in' | 'out', connection: string, data: Uint8Array) => void) | undefined;
  onClosed(conn: Conn): void;
}

/** A client connection. */
export class Conn implements Link {
  readonly id = randomBytes(6).toString('hex');
  readonly openedAt = Date.now();
  lastRx = Date.now();
  session: Session | undefined;
  #joining = false;
  #closed = false;
  #strikes = 0;
  #strikeWindow = Date.now();
  /** The highest SEND sequence number this connection has acked to its client. */
  #ackedSeq = 0;
  /** When this connection started owing its client an ACK (see {@link flushOwedAcks}); 0 = it owes none. */
  owedSince = 0;
  readonly #msgs: TokenBucket;
  readonly #bytes: TokenBucket;
  readonly #frames: TokenBucket;

  constructor(readonly ws: WireSocket, readonly ctx: ConnContext) {
    const l = ctx.hub.limits;
    this.#msgs = new TokenBucket(l.maxMessagesPerSec, l.maxMessagesPerSec * 2, this.lastRx);
    this.#bytes = new TokenBucket(l.maxBytesPerSec, l.maxBytesPerSec * 2, this.lastRx);
    this.#frames = new TokenBucket(l.maxMessagesPerSec * 4, l.maxMessagesPerSec * 8, this.lastRx);
    ws.attach({
      message: (data, binary) => this.#onMessage(data, binary),
      close: () => this.#onClose(),
      error: (err) => ctx.hub.log.log('debug', 'socket-error', { conn: this.id, error: err.message }),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(bytes: Uint8Array, ackedSendSeq?: number): void {
    // A socket the client is already closing takes nothing more (and nothing is counted or tapped).
    if (this.#closed || this.ws.state !== 'open') return;
    if (this.ws.bufferedAmount > this.ctx.hub.limits.maxBufferedBytes) return this.fail('slow-reader');
    const m = this.ctx.hub.metrics;
    m.framesOut++;
    m.bytesOut += bytes.length;
    this.ctx.tap?.('out', this.id, bytes);
    this.ws.send(bytes);
    // The frame carried a SEND ack: nothing more is owed up to it.
    if (ackedSendSeq !== undefined && ackedSendSeq > this.#ackedSeq) {
      this.#ackedSeq = ackedSendSeq;
      if (this.owedSince !== 0 && this.session && this.session.lastSendSeq <= ackedSendSeq) this.#settle();
    }
  }

  /** Send a non-fatal error about one message. */
  warn(code: string, seq: number): void {
    this.#count(code);
    this.send(encodeRelayFrame({ t: 'error', code, fatal: false, seq }));
  }

  fail(code: string): void {
    if (this.#closed) return;
    this.#count(code);
    this.ctx.hub.log.log(code === 'session-resumed' ? 'debug' : 'info', 'connection-closed', {
      conn: this.id, code, room: this.session?.room.id, peer: this.session?.peer,
    });
    if (code !== 'slow-reader') this.send(encodeRelayFrame({ t: 'error', code, fatal: true, seq: 0 }));
    this.#closed = true;
    this.#detach(RESUMABLE.has(code));
    // A slow reader may never complete the closing handshake: the socket cuts it after a second.
    this.ws.close(CLOSE_CODES[code] ?? 4000, code);
  }

  /** Ask the client to reconnect elsewhere (graceful shutdown). */
  goAway(): void {
    if (this.#closed) return;
    this.send(encodeRelayFrame({ t: 'goaway', reason: 'shutdown' }));
    this.#closed = true;
    this.#detach(true);
    this.ws.close(1001, 'shutdown');
  }

  #count(code: string): void {
    const e = this.ctx.hub.metrics.errors;
    e[code] = (e[code] ?? 0) + 1;
  }

  /** Owe nothing (any more). */
  #settle(): void {
    this.owedSince = 0;
    owing.delete(this);
  }

  #detach(grace: boolean): void {
    this.#settle();
    const s = this.session;
    if (s) this.ctx.hub.detach(s, this, grace);
  }

  #onClose(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#detach(true);
    }
    this.ctx.onClosed(this);
  }

  #onMessage(bytes: Uint8Array, isBinary: boolean): void {
    if (this.#closed) return;
    const now = Date.now();
    this.lastRx = now;
    const m = this.ctx.hub.metrics;
    m.framesIn++;
    m.bytesIn += bytes.length;
    this.ctx.tap?.('in', this.id, bytes);
    if (!isBinary) return this.fail('text-frame');
    let f: ClientFrame;
    try {
      f = decodeClientFrame(bytes);
    } catch (e) {
      if (e instanceof EnvelopeError) return this.fail('malformed-envelope');
      throw e;
    }
    if (f.t !== 'send' && !this.#frames.take(1, now) && this.#strike(now)) return;
    const s = this.session;
    if (f.t === 'join') {
      if (s || this.#joining) return this.fail('malformed-envelope');
      this.#joining = true;
      void this.#join(f).catch((err: unknown) => {
        this.ctx.hub.log.log('error', 'join-failed', { conn: this.id, error: err instanceof Error ? err.name : 'unknown' });
        this.fail('join-denied');
      });
      return;
    }
    if (!s) return this.fail('not-joined');
    switch (f.t) {
      case 'send':
        return this.#onSend(s, f, now);
      case 'ack':
        return this.ctx.hub.ack(s, f.seq);
      case 'ping':
        return this.send(encodeRelayFrame({ t: 'pong' }));
      case 'leave':
        this.#closed = true;
        this.#detach(false);
        return this.ws.close(1000, 'left');
      default: {
        const never: never = f;
        return never;
      }
    }
  }

  #onSend(s: Session, f: Extract<ClientFrame, { t: 'send' }>, now: number): void {
    const hub = this.ctx.hub;
    if (f.ack) hub.ack(s, f.ack); // the delivery ack it carries
    if (f.seq <= s.lastSendSeq) return this.#ack(s); // a resend we already routed
    s.lastSendSeq = f.seq;
    if (f.payload.length > hub.limits.maxPayloadBytes) this.warn('message-too-large', f.seq);
    else if (!this.#msgs.take(1, now) || !this.#bytes.take(f.payload.length, now)) {
      this.warn('rate-limited', f.seq);
      if (this.#strike(now)) return;
    } else {
      const err = hub.route(s, f.to, f.seq, f.payload);
      if (err) this.warn(err, f.seq);
    }
    this.#ack(s);
  }

  /** Count a rate violation; closes with `'flood'` past the threshold. Returns true if closed. */
  #strike(now: number): boolean {
    if (now - this.#strikeWindow > 10_000) {
      this.#strikeWindow = now;
      this.#strikes = 0;
    }
    if (++this.#strikes <= this.ctx.hub.limits.floodStrikes) return false;
    this.fail('flood');
    return true;
  }

  /**
   * Owe the client a cumulative ACK: it rides on the next DELIVER to this client, else goes out as
   * an ACK frame once {@link ACK_EVERY} SENDs are unacked or {@link ACK_DELAY_MS} after the first.
   */
  #ack(s: Session): void {
    if (s.lastSendSeq - this.#ackedSeq >= ACK_EVERY) return this.flushAck();
    if (this.owedSince !== 0) return;
    this.owedSince = Date.now();
    owing.add(this);
    scheduleAckFlush(this.owedSince);
  }

  /** Send the ACK this connection owes, if any. */
  flushAck(): void {
    this.#settle();
    const s = this.session;
    if (this.#closed || !s || s.lastSendSeq <= this.#ackedSeq) return;
    this.#ackedSeq = s.lastSendSeq;
    this.send(encodeRelayFrame({ t: 'ack', seq: s.lastSendSeq }));
  }

  async #join(f: Extract<ClientFrame, { t: 'join' }>): Promise<void> {
    const hub = this.ctx.hub;
    let peer = f.peer;
    if (this.ctx.tokenKey) {
      let claims;
      try {
        claims = await verifyJoinToken(new TextDecoder().decode(f.token), this.ctx.tokenKey);
      } catch (e) {
        if (e instanceof JoinTokenError) return this.fail('join-denied');
        throw e;
      }
      if (claims.room !== f.room || (peer !== '' && peer !== claims.peer)) return this.fail('join-denied');
      peer = claims.peer;
    }
    if (peer === '') peer = randomBytes(9).toString('base64url');
    if (peer === '*' || new TextEncoder().encode(peer).length > 255) return this.fail('join-denied');
    if (this.#closed) return;
    const r = await hub.admit(this, {
      room: f.room, peer, resumeKey: f.resumeKey, instance: f.instance, lastDeliverySeq: f.lastDeliverySeq,
    });
    if ('error' in r) return this.fail(r.error);
    const s = r.session;
    if (this.#closed) return hub.detach(s, this, true);
    this.session = s;
    this.#joining = false;
    this.#ackedSeq = s.lastSendSeq; // the WELCOME below acks everything up to here
    this.send(encodeRelayFrame({
      t: 'welcome', peer, resumed: r.resumed, ackedSendSeq: s.lastSendSeq,
      maxPayloadBytes: hub.limits.maxPayloadBytes, peers: hub.peersOf(s),
    }));
    for (const bytes of s.outbox) this.send(bytes);
    hub.log.log('info', r.resumed ? 'peer-resumed' : 'peer-joined', { conn: this.id, room: f.room, peer });
  }
}
