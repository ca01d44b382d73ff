/**
 * The wire envelope between `WebSocketSignaling` and the reference relay (`sealrtc-relay`).
 *
 * Pure bytes in, bytes out: shared by the browser client and the Node relay, so it uses no
 * DOM or Node types. The relay parses only this envelope; the `payload` is opaque to it
 * (sealrtc puts end-to-end authenticated ciphertext there).
 *
 * Every frame is one binary WebSocket message. Integers are big-endian. `str8` is a
 * UTF-8 string preceded by its byte length as one byte (1..255 unless noted).
 *
 * ```
 *  0       1       2
 *  +-------+-------+---------------------------------------------------------+
 *  | ver=2 | type  | body (by type)                                          |
 *  +-------+-------+---------------------------------------------------------+
 *
 *  client → relay
 *  0x01 JOIN     str8 room | str8 peer (len 0 = relay assigns) | u16 tokenLen | token
 *                | 16 B resumeKey | 8 B instance | u32 lastDeliverySeq (resume; 0 = fresh)
 *  0x02 SEND     u32 seq | u32 ack (cumulative DELIVER/PEER_* ack, 0 = none) | str8 to ('*' = everyone else)
 *                | payload …
 *  0x03 ACK      u32 deliverySeq   (cumulative: every DELIVER/PEER_* up to it arrived)
 *  0x04 PING     (empty)
 *  0x05 LEAVE    (empty)           leave now, without the presence grace period
 *
 *  relay → client
 *  0x81 WELCOME  str8 peer | u8 flags (bit0 resumed) | u32 ackedSendSeq
 *                | u32 maxPayloadBytes | u16 count | count × str8 peer
 *  0x82 DELIVER  u32 deliverySeq | u32 ackedSendSeq (cumulative SEND ack, 0 = none) | str8 from
 *                | 8 B srcInstance | u32 srcSeq | payload …
 *  0x83 ACK      u32 sendSeq       (cumulative: every SEND up to it was processed)
 *  0x84 JOINED   u32 deliverySeq | str8 peer
 *  0x85 LEFT     u32 deliverySeq | str8 peer
 *  0x86 ERROR    str8 code | u8 fatal | u32 sendSeq (the SEND it refers to, 0 = none)
 *  0x87 PONG     (empty)
 *  0x88 GOAWAY   str8 reason       the relay is shutting down: reconnect and resume
 * ```
 *
 * Acks ride on traffic that flows anyway: a SEND carries the sender's cumulative delivery ack and
 * a DELIVER carries the recipient's cumulative SEND ack, so a separate ACK frame is needed only
 * when nothing flows the other way (see {@link ACK_DELAY_MS}). Version 2 added these two fields.
 *
 * `srcInstance` + `srcSeq` identify a message end to end (the sender's random instance id
 * and its own sequence number) so receivers can drop duplicates that a resend after a
 * reconnect may create, even across relay processes.
 *
 * @module
 */
import { EnvelopeError, id, Reader, Writer, type Id } from './envelope-bytes.js';

export { EnvelopeError };

/** Envelope version byte. */
export const ENVELOPE_VERSION = 2;
/**
 * The cumulative-ack policy both ends follow (relay for SENDs, client for deliveries). An ack only
 * trims the other side's resend buffer, so it never delays a message: it rides on the next frame
 * going the other way (SEND / DELIVER), and a separate ACK frame is sent only once `ACK_EVERY`
 * frames are unacked, or `ACK_DELAY_MS` after the first unacked one if nothing went back by then.
 * Either side therefore holds at most 32 frames or one second of frames for resending.
 */
export const ACK_EVERY = 32;
export const ACK_DELAY_MS = 1000;
/** Length of the client's resume key and of a sender instance id. */
export const RESUME_KEY_BYTES = 16;
export const INSTANCE_BYTES = 8;

/** A decoded client → relay frame. */
export type ClientFrame =
  | {
      t: 'join'; room: string; peer: string; token: Uint8Array;
      resumeKey: Uint8Array; instance: Uint8Array; lastDeliverySeq: number;
    }
  /** `ack`: the cumulative delivery ack carried along (0 or absent = none). */
  | { t: 'send'; seq: number; to: string; payload: Uint8Array; ack?: number }
  | { t: 'ack'; seq: number }
  | { t: 'ping' }
  | { t: 'leave' };

/** A decoded relay → client frame. */
export type RelayFrame =
  | { t: 'welcome'; peer: string; resumed: boolean; ackedSendSeq: number; maxPayloadBytes: number; peers: string[] }
  /** `ackedSendSeq`: the recipient's cumulative SEND ack carried along (0 or absent = none). */
  | { t: 'deliver'; seq: number; from: string; srcInstance: Uint8Array; srcSeq: number; payload: Uint8Array; ackedSendSeq?: number }
  | { t: 'ack'; seq: number }
  | { t: 'joined'; seq: number; peer: string }
  | { t: 'left'; seq: number; peer: string }
  | { t: 'error'; code: string; fatal: boolean; seq: number }
  | { t: 'pong' }
  | { t: 'goaway'; reason: string };

function head(size: number, type: number): Writer {
  return new Writer(size + 2).u8(ENVELOPE_VERSION).u8(type);
}

/**
 * Encode a client → relay frame.
 *
 * @throws {EnvelopeError} `'malformed-envelope'` when a field does not fit its wire width.
 * @example
 * ```ts
 * const bytes = encodeClientFrame({ t: 'send', seq: 1, to: '*', payload: new Uint8Array([1]) });
 * ```
 */
export function encodeClientFrame(f: ClientFrame): Uint8Array {
  switch (f.t) {
    case 'join': {
      const room = id(f.room, 'room');
      const peer = id(f.peer, 'peer', true);
      if (f.token.length > 0xffff) throw new EnvelopeError('token too long');
      if (f.resumeKey.length !== RESUME_KEY_BYTES) throw new EnvelopeError('resume key must be 16 bytes');
      if (f.instance.length !== INSTANCE_BYTES) throw new EnvelopeError('instance must be 8 bytes');
      return head(1 + room.length + 1 + peer.length + 2 + f.token.length + RESUME_KEY_BYTES + INSTANCE_BYTES + 4, 0x01)
        .str8(room).str8(peer).u16(f.token.length).bytes(f.token)
        .bytes(f.resumeKey).bytes(f.instance).u32(f.lastDeliverySeq).buf;
    }
    case 'send': {
      const to = id(f.to, 'to');
      return head(4 + 4 + 1 + to.length + f.payload.length, 0x02).u32(f.seq).u32(f.ack ?? 0).str8(to).bytes(f.payload).buf;
    }
    case 'ack':
      return head(4, 0x03).u32(f.seq).buf;
    case 'ping':
      return head(0, 0x04).buf;
    case 'leave':
      return head(0, 0x05).buf;
    default:
      return assertNever(f);
  }
}

/**
 * Decode a client → relay frame (the relay's only parser of client input).
 *
 * @throws {EnvelopeError} `'malformed-envelope'` on a wrong version, unknown type, truncation,
 *   trailing bytes, a non-UTF-8 id or an empty required field.
 * @example
 * ```ts
 * const f = decodeClientFrame(bytes); if (f.t === 'send') route(f.to, f.payload);
 * ```
 */
export function decodeClientFrame(buf: Uint8Array): ClientFrame {
  const r = start(buf);
  const type = buf[1];
  let f: ClientFrame;
  if (type === 0x01) {
    const room = r.str8();
    const peer = r.str8(true);
    const token = r.bytes(r.u16());
    const resumeKey = r.bytes(RESUME_KEY_BYTES);
    const instance = r.bytes(INSTANCE_BYTES);
    f = { t: 'join', room, peer, token, resumeKey, instance, lastDeliverySeq: r.u32() };
  } else if (type === 0x02) {
    const seq = r.u32();
    const ack = r.u32();
    f = { t: 'send', seq, ack, to: r.str8(), payload: r.rest() };
  } else if (type === 0x03) f = { t: 'ack', seq: r.u32() };
  else if (type === 0x04) f = { t: 'ping' };
  else if (type === 0x05) f = { t: 'leave' };
  else throw new EnvelopeError('unknown frame type');
  r.end();
  return f;
}

/**
 * Encode a relay → client frame.
 *
 * @throws {EnvelopeError} `'malformed-envelope'` when a field does not fit its wire width.
 * @example
 * ```ts
 * ws.send(encodeRelayFrame({ t: 'ack', seq: 7 }));
 * ```
 */
export function encodeRelayFrame(f: RelayFrame): Uint8Array {
  switch (f.t) {
    case 'welcome': {
      const peer = id(f.peer, 'peer');
      const ids = f.peers.map((p) => id(p, 'peer'));
      if (ids.length > 0xffff) throw new EnvelopeError('too many peers');
      const w = head(1 + peer.length + 1 + 4 + 4 + 2 + ids.reduce((n, b) => n + 1 + b.length, 0), 0x81)
        .str8(peer).u8(f.resumed ? 1 : 0).u32(f.ackedSendSeq).u32(f.maxPayloadBytes).u16(ids.length);
      for (const b of ids) w.str8(b);
      return w.buf;
    }
    case 'deliver':
      return deliver(f.seq, f.ackedSendSeq ?? 0, id(f.from, 'from'), f.srcInstance, f.srcSeq, f.payload);
    case 'ack':
      return head(4, 0x83).u32(f.seq).buf;
    case 'joined':
    case 'left': {
      const peer = id(f.peer, 'peer');
      return head(4 + 1 + peer.length, f.t === 'joined' ? 0x84 : 0x85).u32(f.seq).str8(peer).buf;
    }
    case 'error': {
      const code = id(f.code, 'code');
      return head(1 + code.length + 1 + 4, 0x86).str8(code).u8(f.fatal ? 1 : 0).u32(f.seq).buf;
    }
    case 'pong':
      return head(0, 0x87).buf;
    case 'goaway': {
      const reason = id(f.reason, 'reason');
      return head(1 + reason.length, 0x88).str8(reason).buf;
    }
    default:
      return assertNever(f);
  }
}

/**
 * Encode a DELIVER from its parts, with the sender's id already UTF-8 encoded: the relay's
 * per-message path (it encodes each peer id once per session, not once per message).
 *
 * @throws {EnvelopeError} `'malformed-envelope'` when `from` or `srcInstance` has the wrong size.
 * @example
 * ```ts
 * const bytes = encodeDeliver(seq, ackedSendSeq, fromBytes, instance, srcSeq, payload);
 * ```
 */
export function encodeDeliver(
  seq: number, ackedSendSeq: number, from: Uint8Array, srcInstance: Uint8Array, srcSeq: number, payload: Uint8Array,
): Uint8Array {
  return deliver(seq, ackedSendSeq, from, srcInstance, srcSeq, payload);
}

function deliver(seq: number, ackedSendSeq: number, from: Id, srcInstance: Uint8Array, srcSeq: number, payload: Uint8Array): Uint8Array {
  if (from.length === 0 || from.length > 255) throw new EnvelopeError('from must be 1..255 UTF-8 bytes');
  if (srcInstance.length !== INSTANCE_BYTES) throw new EnvelopeError('instance must be 8 bytes');
  return head(4 + 4 + 1 + from.length + INSTANCE_BYTES + 4 + payload.length, 0x82)
    .u32(seq).u32(ackedSendSeq).str8(from).bytes(srcInstance).u32(srcSeq).bytes(payload).buf;
}

/**
 * Decode a relay → client frame. The client treats the relay as untrusted: anything that does
 * not parse is an error, never a crash.
 *
 * @throws {EnvelopeError} `'malformed-envelope'` on any malformation.
 * @example
 * ```ts
 * const f = decodeRelayFrame(new Uint8Array(ev.data));
 * ```
 */
export function decodeRelayFrame(buf: Uint8Array): RelayFrame {
  const r = start(buf);
  const type = buf[1];
  let f: RelayFrame;
  if (type === 0x81) {
    const peer = r.str8();
    const resumed = (r.u8() & 1) === 1;
    const ackedSendSeq = r.u32();
    const maxPayloadBytes = r.u32();
    const n = r.u16();
    const peers: string[] = [];
    for (let i = 0; i < n; i++) peers.push(r.str8());
    f = { t: 'welcome', peer, resumed, ackedSendSeq, maxPayloadBytes, peers };
  } else if (type === 0x82) {
    const seq = r.u32();
    const ackedSendSeq = r.u32();
    const from = r.str8();
    const srcInstance = r.bytes(INSTANCE_BYTES);
    const srcSeq = r.u32();
    f = { t: 'deliver', seq, ackedSendSeq, from, srcInstance, srcSeq, payload: r.rest() };
  } else if (type === 0x83) f = { t: 'ack', seq: r.u32() };
  else if (type === 0x84 || type === 0x85) {
    const seq = r.u32();
    f = { t: type === 0x84 ? 'joined' : 'left', seq, peer: r.str8() };
  } else if (type === 0x86) {
    const code = r.str8();
    const fatal = r.u8() === 1;
    f = { t: 'error', code, fatal, seq: r.u32() };
  } else if (type === 0x87) f = { t: 'pong' };
  else if (type === 0x88) f = { t: 'goaway', reason: r.str8() };
  else throw new EnvelopeError('unknown frame type');
  r.end();
  return f;
}

function start(buf: Uint8Array): Reader {
  if (buf.length < 2) throw new EnvelopeError('envelope shorter than its header');
  if (buf[0] !== ENVELOPE_VERSION) throw new EnvelopeError('unsupported envelope version');
  return new Reader(buf);
}

function assertNever(x: never): never {
  throw new EnvelopeError(`unhandled frame ${String((x as { t?: unknown }).t)}`);
}
