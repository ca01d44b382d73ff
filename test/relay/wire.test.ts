/**
 * The relay's WebSocket endpoint (RFC 6455, server side) against hand-built frames: the
 * handshake, messages split anywhere across reads (property-based, with fragmentation, random
 * masks and interleaved pings), every protocol violation closed with its code, and the hand-off
 * of a socket with the bytes still to be parsed.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptWebSocket, clientFrame, WireSocket } from '../../src/relay/wire.js';

/** A socket double: what the endpoint writes, whether it ended or was destroyed. */
class FakeSocket extends Duplex {
  readonly out: Buffer[] = [];
  ended = false;
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.out.push(chunk);
    cb();
  }
  override _final(cb: () => void): void {
    this.ended = true;
    cb();
  }
  /** Frames the server sent (unmasked): [opcode, payload]. */
  frames(): [number, Buffer][] {
    const b = Buffer.concat(this.out);
    const r: [number, Buffer][] = [];
    for (let at = 0; at < b.length;) {
      let len = (b[at + 1] as number) & 0x7f;
      let h = 2;
      if (len === 126) [len, h] = [b.readUInt16BE(at + 2), 4];
      else if (len === 127) [len, h] = [b.readUInt32BE(at + 6), 10];
      expect((b[at + 1] as number) & 0x80).toBe(0); // a server never masks (§5.1)
      r.push([(b[at] as number) & 0x0f, b.subarray(at + h, at + h + len)]);
      at += h + len;
    }
    return r;
  }
}

/** A client frame with a real masking key. */
function masked(opcode: number, payload: Uint8Array, o: { fin?: boolean; key?: Uint8Array; rsv?: number; unmasked?: boolean; len64?: boolean } = {}): Buffer {
  const n = payload.length;
  const key = o.key ?? new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
  const hdr = o.len64 ? 10 : n < 126 ? 2 : n < 0x10000 ? 4 : 10;
  const f = Buffer.alloc(hdr + (o.unmasked ? 0 : 4) + n);
  f[0] = ((o.fin ?? true) ? 0x80 : 0) | (o.rsv ?? 0) | opcode;
  const m = o.unmasked ? 0 : 0x80;
  if (hdr === 2) f[1] = m | n;
  else if (hdr === 4) {
    f[1] = m | 126;
    f.writeUInt16BE(n, 2);
  } else {
    f[1] = m | 127;
    f.writeUInt32BE(n, 6);
  }
  if (!o.unmasked) f.set(key, hdr);
  const p = hdr + (o.unmasked ? 0 : 4);
  for (let i = 0; i < n; i++) f[p + i] = (payload[i] as number) ^ (o.unmasked ? 0 : (key[i & 3] as number));
  return f;
}

function open(max = 100_000): { sock: FakeSocket; ws: WireSocket; got: [boolean, Buffer][]; closes: number[] } {
  const sock = new FakeSocket();
  const ws = new WireSocket(sock, Buffer.alloc(0), { maxMessageBytes: max, closeTimeoutMs: 50 });
  const got: [boolean, Buffer][] = [];
  const closes: number[] = [];
  ws.attach({ message: (d, binary) => got.push([binary, Buffer.from(d)]), close: (c) => closes.push(c), error: () => undefined });
  return { sock, ws, got, closes };
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);

describe('acceptWebSocket (RFC 6455 §4.2)', () => {
  const req = (headers: Record<string, string>, method = 'GET'): IncomingMessage => ({ method, headers } as unknown as IncomingMessage);
  const good = { upgrade: 'websocket', connection: 'keep-alive, Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };

  it('answers a valid handshake with 101 and the RFC 6455 §1.3 accept value', () => {
    const sock = new FakeSocket();
    expect(acceptWebSocket(req(good), sock, Buffer.alloc(0), { maxMessageBytes: 10 })).toBeInstanceOf(WireSocket);
    const head = Buffer.concat(sock.out).toString();
    expect(head.startsWith('HTTP/1.1 101 ')).toBe(true);
    expect(head).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n');
    expect(createHash('sha1').update('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it.each([
    ['another version', { ...good, 'sec-websocket-version': '8' }, 'GET', 426],
    ['no version', { ...good, 'sec-websocket-version': undefined }, 'GET', 400],
    ['a POST', good, 'POST', 400],
    ['no Upgrade: websocket', { ...good, upgrade: 'h2c' }, 'GET', 400],
    ['no Connection: Upgrade', { ...good, connection: 'keep-alive' }, 'GET', 400],
    ['a key that is not 16 bytes of base64', { ...good, 'sec-websocket-key': 'c2hvcnQ=' }, 'GET', 400],
  ])('refuses %s', (_what, headers, method, status) => {
    const sock = new FakeSocket();
    const h = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
    expect(acceptWebSocket(req(h, method), sock, Buffer.alloc(0), { maxMessageBytes: 10 })).toBeUndefined();
    const head = Buffer.concat(sock.out).toString();
    expect(head.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    if (status === 426) expect(head).toContain('Sec-WebSocket-Version: 13');
    expect(sock.ended).toBe(true);
  });
});

describe('WireSocket framing', () => {
  it('delivers every message whole and in order however the bytes are split, fragmented and interleaved with pings', async () => {
    const message = fc.record({
      payload: fc.uint8Array({ maxLength: 300 }),
      big: fc.boolean(), // some over 125 and some over 65 535 bytes: all three length encodings
      huge: fc.boolean(),
      binary: fc.boolean(),
      parts: fc.integer({ min: 1, max: 4 }),
      ping: fc.option(fc.uint8Array({ maxLength: 125 })),
      key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    });
    await fc.assert(fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }), async (msgs, cuts) => {
      const { sock, got, closes } = open(200_000);
      const wire: Buffer[] = [];
      const want: [boolean, Buffer][] = [];
      const pings: Buffer[] = [];
      for (const m of msgs) {
        const body = Buffer.from(m.huge && m.big ? new Uint8Array(70_000).fill(7) : m.big ? Buffer.concat([m.payload, new Uint8Array(200)]) : m.payload);
        want.push([m.binary, body]);
        const step = Math.ceil(body.length / m.parts) || 1;
        for (let k = 0, at = 0; k < m.parts; k++, at += step) {
          const last = k === m.parts - 1;
          wire.push(masked(k === 0 ? (m.binary ? 2 : 1) : 0, body.subarray(at, last ? body.length : at + step), { fin: last, key: m.key }));
          // A control frame may come between the fragments of a message (§5.4).
          if (k === 0 && m.ping) {
            wire.push(masked(9, m.ping, { key: m.key }));
            pings.push(Buffer.from(m.ping));
          }
        }
      }
      const all = Buffer.concat(wire);
      for (let at = 0, k = 0; at < all.length; k++) {
        const n = cuts[k % cuts.length] as number;
        sock.push(all.subarray(at, at + n));
        at += n;
      }
      await tick();
      expect(closes).toEqual([]);
      const hex = (xs: [boolean, Buffer][]): string[] => xs.map(([b, p]) => `${String(b)}:${p.toString('hex')}`);
      expect(hex(got)).toEqual(hex(want));
      expect(sock.frames().filter(([op]) => op === 0xa).map(([, p]) => p)).toEqual(pings);
    }), { numRuns: 100 });
  });

  it.each([
    ['an unmasked client frame (§5.1)', masked(2, bytes(1, 2), { unmasked: true }), 1002],
    ['a reserved bit without an extension (§5.2)', masked(2, bytes(1), { rsv: 0x40 }), 1002],
    ['a reserved data opcode', masked(3, bytes(1)), 1002],
    ['a reserved control opcode', masked(0xb, bytes(1)), 1002],
    ['a fragmented control frame (§5.5)', masked(9, bytes(1), { fin: false }), 1002],
    ['a control frame over 125 bytes (§5.5)', masked(9, new Uint8Array(126)), 1002],
    ['a continuation with nothing to continue', masked(0, bytes(1)), 1002],
    ['a new message inside a fragmented one', Buffer.concat([masked(2, bytes(1), { fin: false }), masked(2, bytes(2))]), 1002],
    ['a close body of one byte', masked(8, bytes(3)), 1002],
    ['a close code no peer may send (1005)', masked(8, bytes(0x03, 0xed)), 1002],
    ['a frame over the limit', masked(2, new Uint8Array(101)), 1009],
    ['fragments adding up to over the limit', Buffer.concat([masked(2, new Uint8Array(60), { fin: false }), masked(0, new Uint8Array(60))]), 1009],
  ])('closes on %s with %i and reads no further', async (_what, frame, code) => {
    const { sock, got } = open(100);
    sock.push(Buffer.concat([frame, masked(2, bytes(9))]));
    await tick();
    const close = sock.frames().find(([op]) => op === 8);
    expect(close?.[1].readUInt16BE(0)).toBe(code);
    expect(got.filter(([, b]) => b.equals(Buffer.from([9])))).toEqual([]);
  });

  it('refuses an over-limit frame from its header, before the payload arrives', async () => {
    const { sock } = open(1_000);
    sock.push(masked(2, new Uint8Array(70_000), { len64: true }).subarray(0, 14));
    await tick();
    expect(sock.frames().find(([op]) => op === 8)?.[1].readUInt16BE(0)).toBe(1009);
  });

  it('answers a close with the same code and ends the connection; a destroyed socket reports the code', async () => {
    const { sock, ws, got, closes } = open();
    sock.push(Buffer.concat([masked(8, bytes(0x03, 0xe8, 0x62, 0x79, 0x65)), masked(2, bytes(1))]));
    await tick();
    expect(sock.frames()).toEqual([[8, Buffer.from([0x03, 0xe8])]]);
    expect(sock.ended).toBe(true);
    expect(got).toEqual([]); // nothing after a close frame
    expect(ws.state).toBe('closing');
    sock.destroy();
    await tick();
    expect(closes).toEqual([1000]);
    expect(ws.state).toBe('closed');
  });

  it('sends one unmasked frame per message with the right length encoding, and nothing once closing', () => {
    const { sock, ws } = open();
    for (const n of [0, 125, 126, 65_535, 65_536]) ws.send(new Uint8Array(n).fill(n & 0xff));
    ws.close(4000, 'bye');
    ws.send(bytes(1));
    const f = sock.frames();
    expect(f.map(([op, p]) => [op, p.length])).toEqual([[2, 0], [2, 125], [2, 126], [2, 65_535], [2, 65_536], [8, 5]]);
    expect(f[5]?.[1].toString('latin1', 2)).toBe('bye');
    expect(sock.out.length).toBe(6); // one write each
  });

  it('cuts the connection when the peer does not answer a close in time', async () => {
    const { sock, ws } = open();
    ws.close(4010, 'slow-reader');
    await new Promise((r) => setTimeout(r, 120));
    expect(sock.destroyed).toBe(true);
  });
});

describe('WireSocket.handOff', () => {
  it('gives up the socket with the current message re-encoded and every byte after it, unparsed', async () => {
    const sock = new FakeSocket();
    const ws = new WireSocket(sock, Buffer.alloc(0), { maxMessageBytes: 1_000 });
    let handed: { socket: Duplex; pending: Buffer } | undefined;
    const seen: Buffer[] = [];
    ws.attach({
      message: (d) => {
        seen.push(Buffer.from(d));
        ws.handOff((socket, pending) => (handed = { socket, pending }));
      },
      close: () => undefined,
      error: () => undefined,
    });
    const first = masked(2, bytes(1, 2, 3), { key: bytes(9, 8, 7, 6) });
    const after = Buffer.concat([masked(9, bytes(5)), masked(2, bytes(4)).subarray(0, 3)]); // a ping and half a frame
    sock.push(Buffer.concat([first, after]));
    await tick();
    expect(seen).toEqual([Buffer.from([1, 2, 3])]); // the later frames were not parsed here
    expect(handed?.socket).toBe(sock);
    expect(handed?.pending).toEqual(Buffer.concat([clientFrame(2, bytes(1, 2, 3)), after]));
    expect(sock.listenerCount('data')).toBe(0);
    expect(sock.out).toEqual([]); // no pong: the ping is the next owner's

    // The next owner parses the replayed bytes as if they had never been read.
    const next = new WireSocket(sock, handed?.pending as Buffer, { maxMessageBytes: 1_000 });
    const got: Buffer[] = [];
    next.attach({ message: (d) => got.push(Buffer.from(d)), close: () => undefined, error: () => undefined });
    sock.resume();
    sock.push(masked(2, bytes(4)).subarray(3));
    await tick();
    expect(got).toEqual([Buffer.from([1, 2, 3]), Buffer.from([4])]);
    expect(sock.frames()).toEqual([[0xa, Buffer.from([5])]]);
  });

  it('is refused outside a message handler', () => {
    const { ws } = open();
    expect(() => ws.handOff(() => undefined)).toThrow();
  });
});
