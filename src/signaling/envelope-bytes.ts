/**
 * The byte level of the signaling envelope: its error type, where frames are allocated, and the
 * bounds-checked writer and reader that `envelope.ts` builds the frame formats on. Browser-safe
 * (no DOM or Node types).
 *
 * @module
 */
import { SealError } from '../errors.js';

/** The envelope could not be parsed. */
export class EnvelopeError extends SealError<'malformed-envelope'> {
  constructor(message: string) {
    super('malformed-envelope', message);
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/**
 * Frames up to {@link SLAB_FRAME_MAX} bytes are cut from a shared slab rather than given their
 * own `ArrayBuffer`: allocating a backing store per frame was the largest single cost of routing
 * a message. Every frame is written in full before it is returned (the {@link Writer} checks),
 * so no bytes of an earlier frame can show through. A frame is a view: senders pass the view
 * (never its `.buffer`) to the socket.
 */
const SLAB_BYTES = 64 * 1024;
const SLAB_FRAME_MAX = 2048;
let slab = new Uint8Array(0);
let slabPos = 0;
function allocFrame(size: number): Uint8Array {
  if (size > SLAB_FRAME_MAX) return new Uint8Array(size);
  if (slabPos + size > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    slabPos = 0;
  }
  const b = slab.subarray(slabPos, slabPos + size);
  slabPos += (size + 7) & ~7; // keep frames 8-byte aligned
  return b;
}

/** Append-only big-endian byte writer into a frame sized up front. */
export class Writer {
  readonly #buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.#buf = allocFrame(size);
  }
  /** The frame, which must be exactly full. */
  get buf(): Uint8Array {
    if (this.pos !== this.#buf.length) throw new EnvelopeError('frame size mismatch');
    return this.#buf;
  }
  u8(v: number): this {
    this.#buf[this.pos++] = v;
    return this;
  }
  u16(v: number): this {
    this.#buf[this.pos++] = v >>> 8;
    this.#buf[this.pos++] = v;
    return this;
  }
  u32(v: number): this {
    const b = this.#buf;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = v >>> 16;
    b[this.pos++] = v >>> 8;
    b[this.pos++] = v;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.#buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  str8(v: Id): this {
    this.u8(v.length);
    if (typeof v !== 'string') return this.bytes(v);
    const b = this.#buf;
    for (let i = 0; i < v.length; i++) b[this.pos++] = v.charCodeAt(i);
    return this;
  }
}

/** Bounds-checked reader; every overrun is a malformed envelope. */
export class Reader {
  pos = 2;
  constructor(readonly buf: Uint8Array) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new EnvelopeError('truncated envelope');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }
  u16(): number {
    this.need(2);
    const b = this.buf;
    return ((b[this.pos++] as number) << 8) | (b[this.pos++] as number);
  }
  u32(): number {
    this.need(4);
    const b = this.buf;
    const v = (b[this.pos] as number) * 0x1000000 + (((b[this.pos + 1] as number) << 16) | ((b[this.pos + 2] as number) << 8) | (b[this.pos + 3] as number));
    this.pos += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  str8(allowEmpty = false): string {
    const n = this.u8();
    if (n === 0 && !allowEmpty) throw new EnvelopeError('empty string field');
    this.need(n);
    // Ids are short and usually ASCII: build those directly (about twice as fast as a decoder call).
    if (n <= 64) {
      const b = this.buf;
      let out = '';
      let i = this.pos;
      const end = i + n;
      for (; i < end; i++) {
        const c = b[i] as number;
        if (c >= 0x80) break;
        out += String.fromCharCode(c);
      }
      if (i === end) {
        this.pos = end;
        return out;
      }
    }
    try {
      return dec.decode(this.bytes(n));
    } catch (cause) {
      if (cause instanceof EnvelopeError) throw cause;
      throw new EnvelopeError('string field is not UTF-8');
    }
  }
  rest(): Uint8Array {
    const b = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return b;
  }
  end(): void {
    if (this.pos !== this.buf.length) throw new EnvelopeError('trailing bytes');
  }
}

/**
 * An id ready to write: an ASCII string as itself (the writer copies its char codes; ids are
 * usually ASCII, and this skips an encoder call and an allocation), anything else as UTF-8.
 */
export type Id = string | Uint8Array;

export function id(s: string, what: string, allowEmpty = false): Id {
  let v: Id = s;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      v = enc.encode(s);
      break;
    }
  }
  if (v.length > 255 || (v.length === 0 && !allowEmpty)) throw new EnvelopeError(`${what} must be 1..255 UTF-8 bytes`);
  return v;
}
