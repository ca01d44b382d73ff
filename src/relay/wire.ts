/**
 * The relay's WebSocket endpoint: the server side of RFC 6455, only what the relay needs —
 * binary messages in and out, ping/pong, the closing handshake — with no extensions and no
 * subprotocols.
 *
 * Why not a general-purpose WebSocket server: the relay moves many small messages (a few hundred
 * bytes, a few per second per connection, tens of thousands per second in all), so the fixed cost
 * per message dominates. Here a received frame is parsed and unmasked in place in the socket's
 * own read buffer and handed on as a view, and a frame is sent as one buffer in one write. The
 * envelope above (signaling/envelope.ts) is unchanged; any RFC 6455 client works.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  clientFrame, frame, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT, unmask, validCloseCode,
} from './wire-frame.js';

export { clientFrame } from './wire-frame.js';

/** RFC 6455 §1.3: appended to the client's key before hashing. */
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';


/** What a {@link WireSocket} reports to its owner. */
export interface WireHandlers {
  /** A complete message (binary, or text — whose bytes are not checked as UTF-8). Valid only during the call. */
  message(data: Uint8Array, binary: boolean): void;
  /** The TCP connection is gone; `code` is the peer's close code, or 1006 if there was no closing handshake. */
  close(code: number): void;
  /** A socket error (the `close` follows). */
  error(err: Error): void;
}

/** Options of {@link WireSocket}. */
export interface WireOptions {
  /** Larger messages (one frame or reassembled) end the connection with close code 1009. */
  maxMessageBytes: number;
  /** After our close frame, how long the peer has to close the TCP connection before we cut it. Default 1 000 ms. */
  closeTimeoutMs?: number;
}

/**
 * Answer an HTTP upgrade request (RFC 6455 §4.2): a valid version-13 handshake gets `101` and
 * a {@link WireSocket}; anything else gets `400` (or `426` for another version) and the socket is
 * closed. `head` is what the HTTP parser read past the request.
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, opts: WireOptions): WireSocket | undefined {
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  const upgrade = req.headers.upgrade;
  const connection = req.headers.connection;
  if (version !== undefined && version !== '13') {
    reject(socket, 426, { 'Sec-WebSocket-Version': '13' });
    return undefined;
  }
  if (req.method !== 'GET' || version === undefined || typeof upgrade !== 'string' || upgrade.toLowerCase() !== 'websocket'
    || typeof connection !== 'string' || !connection.toLowerCase().split(',').some((t) => t.trim() === 'upgrade')
    || typeof key !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(key)) {
    reject(socket, 400, {});
    return undefined;
  }
  const accept = createHash('sha1').update(key + ACCEPT_GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  return new WireSocket(socket, head, opts);
}

function reject(socket: Duplex, status: 400 | 426, headers: Record<string, string>): void {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const text = status === 400 ? 'Bad Request' : 'Upgrade Required';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${extra}Content-Length: 0\r\n\r\n`);
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** One WebSocket connection (server side). Construct with {@link acceptWebSocket}. */
export class WireSocket {
  /** `'open'` → `'closing'` (a close frame went out or came in) → `'closed'` (TCP gone). */
  state: 'open' | 'closing' | 'closed' = 'open';
  #handlers: WireHandlers | undefined;
  readonly #socket: Duplex;
  readonly #max: number;
  readonly #closeTimeoutMs: number;
  /** Bytes received but not yet parsed (a frame split across reads); `#need` is how many make progress. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  #need = 2;
  /** A fragmented message being reassembled (RFC 6455 §5.4). */
  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #fragmentOpcode = -1;
  #peerCode = 1006;
  #closeSent = false;
  /** The message being delivered (so {@link handOff} can re-encode it) and a pending hand-off. */
  #current: Uint8Array | undefined;
  #currentBinary = false;
  #handOff: { done: (socket: Duplex, pending: Buffer) => void; frame: Buffer } | undefined;
  readonly #listeners: { data(d: Buffer): void; end(): void; error(e: Error): void; close(): void };

  /** @internal Use {@link acceptWebSocket}. */
  constructor(socket: Duplex, head: Buffer, opts: WireOptions) {
    this.#socket = socket;
    this.#max = opts.maxMessageBytes;
    this.#closeTimeoutMs = opts.closeTimeoutMs ?? 1_000;
    const s = socket as Duplex & { setNoDelay?(b: boolean): void; setTimeout?(ms: number): void };
    s.setNoDelay?.(true);
    s.setTimeout?.(0);
    this.#listeners = {
      data: (d) => this.#onData(d),
      end: () => {
        // The peer half-closed without a closing handshake: finish closing our side.
        if (this.state === 'open') this.state = 'closing';
        socket.end();
      },
      error: (e) => this.#handlers?.error(e),
      close: () => {
        this.state = 'closed';
        this.#chunks = [];
        this.#fragments = [];
        this.#handlers?.close(this.#peerCode);
      },
    };
    const l = this.#listeners;
    socket.on('data', l.data).on('end', l.end).on('error', l.error).on('close', l.close);
    // Held until attach(): the first bytes (`head`) and whatever arrives before there is an owner.
    if (head.length > 0) {
      this.#chunks.push(head);
      this.#buffered = head.length;
    }
  }

  /**
   * Attach the owner's handlers (once). Bytes that arrived before — `head` included — are parsed
   * now, so messages may be delivered before this returns.
   */
  attach(h: WireHandlers): void {
    this.#handlers = h;
    if (this.#buffered === 0) return;
    const all = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [];
    this.#buffered = 0;
    this.#parse(all);
  }

  /** Bytes queued in the socket but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  /** Send one binary message (ignored unless open). */
  send(data: Uint8Array): void {
    if (this.state !== 'open') return;
    this.#socket.write(frame(OP_BINARY, data));
  }

  /**
   * Start the closing handshake (RFC 6455 §7.1.2) with a status code and a short ASCII reason;
   * the TCP connection is cut if the peer has not closed it {@link WireOptions.closeTimeoutMs} later.
   */
  close(code: number, reason = ''): void {
    if (this.state === 'closed') return;
    this.state = 'closing';
    this.#sendClose(code, reason);
    setTimeout(() => this.terminate(), this.#closeTimeoutMs).unref();
  }

  /**
   * Stop reading and give the socket up, e.g. to pass it to another process. Call it from within
   * the `message` handler: once the current read is parsed, `done` gets the socket (paused, with
   * no listeners of ours) and the bytes to replay wherever it goes next — the current message
   * re-encoded as one frame, then everything received after it, unparsed.
   */
  handOff(done: (socket: Duplex, pending: Buffer) => void): void {
    if (this.#current === undefined || this.state !== 'open') throw new Error('handOff() belongs in the message handler of an open socket');
    // Copied now: the message is a view on the read buffer, valid only during the handler.
    this.#handOff = { done, frame: clientFrame(this.#currentBinary ? OP_BINARY : OP_TEXT, this.#current) };
    const s = this.#socket as Duplex & { _handle?: { readStop?(): number } | null };
    // Pause the stream and stop the handle reading too: bytes read from here on would otherwise
    // sit in this process's buffers, and a handle passed to another process loses them.
    s.pause();
    s._handle?.readStop?.();
  }

  #finishHandOff(rest: Buffer): void {
    const h = this.#handOff;
    if (!h) return;
    this.#handOff = undefined;
    this.#need = Infinity;
    this.state = 'closed';
    const l = this.#listeners;
    this.#socket.off('data', l.data).off('end', l.end).off('error', l.error).off('close', l.close);
    h.done(this.#socket, Buffer.concat([h.frame, rest]));
  }

  /** Cut the TCP connection now. */
  terminate(): void {
    this.state = 'closing';
    this.#socket.destroy();
  }

  #sendClose(code: number, reason: string): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    const r = Buffer.from(reason.slice(0, 120), 'latin1');
    const body = Buffer.allocUnsafe(2 + r.length);
    body.writeUInt16BE(code, 0);
    body.set(r, 2);
    this.#socket.write(frame(OP_CLOSE, body));
  }

  /** Fail the connection (RFC 6455 §7.1.7): close frame with `code`, then stop reading. */
  #fail(code: number): void {
    this.#chunks = [];
    this.#buffered = 0;
    this.#need = Infinity;
    this.#fragments = [];
    this.close(code, code === 1009 ? 'message too big' : 'protocol error');
  }

  #onData(d: Buffer): void {
    if (this.#need === Infinity) return;
    if (this.#handlers === undefined) {
      this.#chunks.push(d);
      this.#buffered += d.length;
      return;
    }
    if (this.#buffered === 0) {
      if (d.length < this.#need) {
        this.#chunks.push(d);
        this.#buffered = d.length;
        return;
      }
      this.#parse(d);
      return;
    }
    this.#chunks.push(d);
    this.#buffered += d.length;
    if (this.#buffered < this.#need) return;
    const all = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [];
    this.#buffered = 0;
    this.#parse(all);
  }

  /** Parse every complete frame in `b`; keep the incomplete tail for the next read. */
  #parse(b: Buffer): void {
    let at = 0;
    const end = b.length;
    while (this.#need !== Infinity) {
      if (end - at < 2) break;
      const b0 = b[at] as number;
      const b1 = b[at + 1] as number;
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (end - at < 4) {
          this.#need = 4;
          break;
        }
        len = ((b[at + 2] as number) << 8) | (b[at + 3] as number);
        hdr = 4;
      } else if (len === 127) {
        if (end - at < 10) {
          this.#need = 10;
          break;
        }
        // RFC 6455 §5.2: the most significant bit must be 0. Anything over 2^32 is over any limit.
        const hi = b.readUInt32BE(at + 2);
        if (hi !== 0) return this.#fail(hi >= 0x80000000 ? 1002 : 1009);
        len = b.readUInt32BE(at + 6);
        hdr = 10;
      }
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      // No extension was negotiated, so RSV1–3 must be 0; clients must mask (§5.1); control
      // frames are short and never fragmented (§5.5); opcodes 3–7 and 11–15 are reserved.
      if ((b0 & 0x70) !== 0 || (b1 & 0x80) === 0) return this.#fail(1002);
      if (opcode >= OP_CLOSE) {
        if (!fin || len > 125 || opcode > OP_PONG) return this.#fail(1002);
      } else if (opcode > OP_BINARY) return this.#fail(1002);
      else if (len > this.#max || (opcode === OP_CONTINUATION && this.#fragmentBytes + len > this.#max)) return this.#fail(1009);
      const total = hdr + 4 + len;
      if (end - at < total) {
        this.#need = total;
        break;
      }
      const p = at + hdr + 4;
      unmask(b, p, len, at + hdr);
      at += total;
      this.#need = 2;
      const payload = new Uint8Array(b.buffer, b.byteOffset + p, len);
      if (opcode >= OP_CLOSE) this.#control(opcode, payload);
      else this.#data(opcode, fin, payload);
      if (this.#handOff) return this.#finishHandOff(b.subarray(at));
      if (this.state === 'closed') return;
    }
    if (at < end && this.#need !== Infinity) {
      const rest = b.subarray(at);
      this.#chunks.push(rest);
      this.#buffered = rest.length;
    }
  }

  #data(opcode: number, fin: boolean, payload: Uint8Array): void {
    if (opcode === OP_CONTINUATION) {
      if (this.#fragmentOpcode < 0) return this.#fail(1002);
      this.#fragments.push(payload.slice());
      this.#fragmentBytes += payload.length;
      if (!fin) return;
      const whole = Buffer.concat(this.#fragments, this.#fragmentBytes);
      const binary = this.#fragmentOpcode === OP_BINARY;
      this.#fragments = [];
      this.#fragmentBytes = 0;
      this.#fragmentOpcode = -1;
      return this.#deliver(new Uint8Array(whole.buffer, whole.byteOffset, whole.length), binary);
    }
    if (this.#fragmentOpcode >= 0) return this.#fail(1002); // a new message inside a fragmented one
    if (fin) return this.#deliver(payload, opcode === OP_BINARY);
    this.#fragmentOpcode = opcode;
    this.#fragments.push(payload.slice());
    this.#fragmentBytes = payload.length;
  }

  #deliver(data: Uint8Array, binary: boolean): void {
    // After a close frame (sent or received) no more data is processed (RFC 6455 §5.5.1).
    if (this.state !== 'open') return;
    this.#current = data;
    this.#currentBinary = binary;
    try {
      this.#handlers?.message(data, binary);
    } finally {
      this.#current = undefined;
    }
  }

  #control(opcode: number, payload: Uint8Array): void {
    if (opcode === OP_PING) {
      if (this.state === 'open') this.#socket.write(frame(OP_PONG, payload));
      return;
    }
    if (opcode === OP_PONG) return;
    // Close (§5.5.1): a body is empty or a 2-byte code (+ UTF-8 reason, not needed here).
    if (payload.length === 1) return this.#fail(1002);
    const code = payload.length >= 2 ? ((payload[0] as number) << 8) | (payload[1] as number) : 1005;
    if (payload.length >= 2 && !validCloseCode(code)) return this.#fail(1002);
    this.#peerCode = code;
    this.#need = Infinity;
    this.state = 'closing';
    // Echo the code (§5.5.1), then close the TCP connection: the server closes first (§7.1.1).
    this.#sendClose(code === 1005 ? 1000 : code, '');
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), this.#closeTimeoutMs).unref();
  }
}
