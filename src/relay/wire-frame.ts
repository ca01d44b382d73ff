/**
 * RFC 6455 frames as bytes: the opcodes, unmasking, and building the frames the relay's
 * WebSocket endpoint (`wire.ts`) sends or replays. No sockets here.
 *
 * @module
 */

/**
 * RFC 6455 §5.2 base framing (client → server frames are masked, server → client are not):
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               |Masking-key, if MASK set to 1  |
 * +-------------------------------+-------------------------------+
 * | Masking-key (continued)       |          Payload Data         |
 * +-------------------------------- - - - - - - - - - - - - - - - +
 * ```
 */
export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** RFC 6455 §5.3: XOR `len` bytes at `p` with the 4-byte key at `k`, in place (the read buffer is ours). */
export function unmask(b: Buffer, p: number, len: number, k: number): void {
  const k0 = b[k] as number;
  const k1 = b[k + 1] as number;
  const k2 = b[k + 2] as number;
  const k3 = b[k + 3] as number;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    b[p + i] = (b[p + i] as number) ^ k0;
    b[p + i + 1] = (b[p + i + 1] as number) ^ k1;
    b[p + i + 2] = (b[p + i + 2] as number) ^ k2;
    b[p + i + 3] = (b[p + i + 3] as number) ^ k3;
  }
  for (let j = 0; i < len; i++, j++) b[p + i] = (b[p + i] as number) ^ (b[k + j] as number);
}

/** RFC 6455 §7.4: codes a peer may send in a close frame. */
export function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/**
 * One client-to-server frame (masked, RFC 6455 §5.3) holding `data` under an all-zero masking key,
 * so its bytes are the plain payload: for replaying a message that was already unmasked here.
 */
export function clientFrame(opcode: number, data: Uint8Array): Buffer {
  const n = data.length;
  const hdr = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
  const f = Buffer.alloc(hdr + 4 + n);
  f[0] = 0x80 | opcode;
  if (hdr === 2) f[1] = 0x80 | n;
  else if (hdr === 4) {
    f[1] = 0x80 | 126;
    f.writeUInt16BE(n, 2);
  } else {
    f[1] = 0x80 | 127;
    f.writeUInt32BE(n, 6);
  }
  f.set(data, hdr + 4);
  return f;
}

/** One unmasked, unfragmented frame as one buffer (one write, one TCP send). */
export function frame(opcode: number, data: Uint8Array): Buffer {
  const n = data.length;
  const hdr = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
  const f = Buffer.allocUnsafe(hdr + n);
  f[0] = 0x80 | opcode;
  if (hdr === 2) f[1] = n;
  else if (hdr === 4) {
    f[1] = 126;
    f[2] = n >>> 8;
    f[3] = n & 0xff;
  } else {
    f[1] = 127;
    f.writeUInt32BE(0, 2);
    f.writeUInt32BE(n, 6);
  }
  f.set(data, hdr);
  return f;
}
