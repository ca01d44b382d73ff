/**
 * The load generator's WebSocket client (RFC 6455, client side, binary messages only): the
 * subset of `ws`'s surface the relay bench uses (`open`, `message`, `close`, `error`, `send`,
 * `terminate`), at a fraction of its cost per message, so that the clients — which share the
 * machine with the relay being measured — take less of it. `BENCH_CLIENT_WS=ws` runs the bench
 * with `ws` instead.
 *
 * Shortcut, as with `ws`'s `generateMask` returning zeros: frames are sent with an all-zero
 * masking key, which leaves the payload unchanged (the relay still unmasks every byte). A real
 * client must use a fresh random key per frame (RFC 6455 §5.3).
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';

export class LoadSocket extends EventEmitter {
  readonly #sock: Socket;
  #open = false;
  #acc: Buffer | undefined;

  constructor(url: string) {
    super();
    const u = new URL(url);
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    this.#sock = connect(Number(u.port), u.hostname);
    this.#sock.setNoDelay(true);
    this.#sock.on('connect', () => this.#sock.write(
      `GET ${u.pathname || '/'} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ));
    this.#sock.on('data', (d: Buffer) => {
      const b = this.#acc ? Buffer.concat([this.#acc, d]) : d;
      this.#acc = undefined;
      if (this.#open) return this.#frames(b);
      const end = b.indexOf('\r\n\r\n');
      if (end < 0) {
        this.#acc = b;
        return;
      }
      const head = b.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101') || !head.includes(`\r\nSec-WebSocket-Accept: ${accept}`)) {
        this.#sock.destroy();
        this.emit('error', new Error('handshake refused'));
        return;
      }
      this.#open = true;
      this.emit('open');
      if (b.length > end + 4) this.#frames(b.subarray(end + 4));
    });
    this.#sock.on('error', (e) => this.emit('error', e));
    this.#sock.on('close', () => this.emit('close'));
  }

  /** One binary message as one masked frame, in one write. */
  send(data: Uint8Array): void {
    const n = data.length;
    const hdr = n < 126 ? 6 : 8;
    const f = Buffer.allocUnsafe(hdr + n);
    f[0] = 0x82;
    if (n < 126) f[1] = 0x80 | n;
    else {
      f[1] = 0x80 | 126;
      f[2] = n >>> 8;
      f[3] = n & 0xff;
    }
    f.fill(0, hdr - 4, hdr); // the masking key (see the module note)
    f.set(data, hdr);
    this.#sock.write(f);
  }

  terminate(): void {
    this.#sock.destroy();
  }

  #frames(b: Buffer): void {
    let at = 0;
    while (b.length - at >= 2) {
      let len = (b[at + 1] as number) & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (b.length - at < 4) break;
        len = b.readUInt16BE(at + 2);
        hdr = 4;
      } else if (len === 127) {
        if (b.length - at < 10) break;
        len = b.readUInt32BE(at + 6);
        hdr = 10;
      }
      if (b.length - at < hdr + len) break;
      const op = (b[at] as number) & 0x0f;
      const p = b.subarray(at + hdr, at + hdr + len);
      at += hdr + len;
      if (op === 2) this.emit('message', p);
      else if (op === 8) this.#sock.end();
    }
    if (at < b.length) this.#acc = b.subarray(at);
  }
}
