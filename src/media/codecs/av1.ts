/**
 * AV1 framing, per OBU (AV1 spec §5.3): temporal delimiters and sequence headers stay clear,
 * every other OBU keeps its header (and extension byte) clear and carries its part of the frame's
 * one SFrame as payload, with `obu_size` rewritten for the new length.
 *
 * ```
 * input     | TD | SH hdr size payload | FRAME hdr size  payload ……… |
 * protected | TD | SH hdr size payload | FRAME hdr size' SFrame ……………… |
 *                 (clear, authenticated)      (clear)  (encrypted)
 * ```
 *
 * An OBU without a size field (the last one) stays without, its payload running to the end.
 *
 * Metadata per authenticated OBU (layout.ts): the header byte with `obu_has_size_field` cleared,
 * the extension byte, and for sequence headers the payload. Sizes are not authenticated as
 * encoded: libwebrtc's RTP packetizer strips size fields and its depacketizer writes them back
 * (minimal leb128, on every OBU). It also drops temporal delimiters, padding and tile-list OBUs, so:
 * - temporal delimiters (empty) and padding OBUs are passed through unauthenticated and unchanged;
 * - tile-list OBUs (large-scale tile decoding only, never produced for WebRTC) are refused: their
 *   data would be lost on the way and take the SFrame with it.
 *
 * @module
 */
import {
  OBU_FRAME,
  OBU_FRAME_HEADER,
  OBU_PADDING,
  OBU_SEQUENCE_HEADER,
  OBU_TEMPORAL_DELIMITER,
  OBU_TILE_LIST,
  leb128Size,
  parseObus,
  writeLeb128,
  type Obu,
} from './av1-obu.js';
import { FramingError, malformed } from './errors.js';
import { openUnits, sealUnits, type Unit } from './layout.js';
import type { FrameCipher } from './types.js';

/** OBUs that transports may drop: neither authenticated nor encrypted (they carry no picture). */
function isTransportOnly(obu: Obu): boolean {
  return obu.type === OBU_TEMPORAL_DELIMITER || obu.type === OBU_PADDING;
}

/** The authenticated clear bytes: header (size bit cleared), extension, and a sequence header's payload. */
function clearBytes(data: Uint8Array, obu: Obu, withPayload: boolean): Uint8Array {
  const head = obu.extension === undefined ? 1 : 2;
  const payload = withPayload ? data.subarray(obu.payloadStart, obu.payloadEnd) : undefined;
  const out = new Uint8Array(head + (payload?.length ?? 0));
  out[0] = obu.header & ~0x02;
  if (obu.extension !== undefined) out[1] = obu.extension;
  if (payload) out.set(payload, head);
  return out;
}

/** Units (authenticated OBUs) of a temporal unit, in order, and the OBU each came from. */
function toUnits(data: Uint8Array, obus: readonly Obu[], sending: boolean): { units: Unit[]; owners: Obu[] } {
  const units: Unit[] = [];
  const owners: Obu[] = [];
  for (const obu of obus) {
    if (isTransportOnly(obu)) continue;
    if (obu.type === OBU_TILE_LIST) {
      if (sending) throw new FramingError('unsupported-frame', 'AV1 tile-list OBUs cannot be protected');
      throw malformed('AV1 tile-list OBU in a protected frame');
    }
    const isClear = obu.type === OBU_SEQUENCE_HEADER;
    units.push({
      clear: clearBytes(data, obu, isClear),
      body: isClear ? undefined : data.subarray(obu.payloadStart, obu.payloadEnd),
    });
    owners.push(obu);
  }
  return { units, owners };
}

/** Re-emit the OBUs with each encrypted payload replaced by `payloads[k]` (in order). */
function assemble(data: Uint8Array, obus: readonly Obu[], units: readonly Unit[], owners: readonly Obu[], payloads: readonly Uint8Array[]): Uint8Array {
  const replaced = new Map<Obu, Uint8Array>();
  let k = 0;
  for (let i = 0; i < units.length; i++) if (units[i]!.body !== undefined) replaced.set(owners[i]!, payloads[k++]!);

  let size = 0;
  for (const obu of obus) {
    const payload = replaced.get(obu);
    if (payload === undefined) size += obu.payloadEnd - obu.start;
    else size += (obu.extension === undefined ? 1 : 2) + (obu.hasSize ? leb128Size(payload.length) : 0) + payload.length;
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const obu of obus) {
    const payload = replaced.get(obu);
    if (payload === undefined) {
      out.set(data.subarray(obu.start, obu.payloadEnd), off);
      off += obu.payloadEnd - obu.start;
      continue;
    }
    out[off++] = obu.header;
    if (obu.extension !== undefined) out[off++] = obu.extension;
    if (obu.hasSize) off = writeLeb128(payload.length, out, off);
    out.set(payload, off);
    off += payload.length;
  }
  return out;
}

/**
 * Protect one AV1 temporal unit (low-overhead bitstream format, §5.2).
 *
 * @throws FramingError `'malformed-frame'` (see `parseObus`), `'unsupported-frame'` (tile lists, no
 *   OBU to encrypt); whatever `cipher.seal` throws.
 * @example
 * ```ts
 * const wire = await protectAv1(temporalUnit, cipher);
 * ```
 */
export async function protectAv1(frame: Uint8Array, cipher: FrameCipher): Promise<Uint8Array> {
  const obus = parseObus(frame);
  const { units, owners } = toUnits(frame, obus, true);
  const pieces = await sealUnits('av1', units, cipher);
  return assemble(frame, obus, units, owners, pieces);
}

/**
 * Undo {@link protectAv1}.
 *
 * @throws FramingError `'malformed-frame'`; the cipher's SFrameError on any decryption failure.
 * @example
 * ```ts
 * const temporalUnit = await unprotectAv1(wire, cipher);
 * ```
 */
export async function unprotectAv1(data: Uint8Array, cipher: FrameCipher): Promise<Uint8Array> {
  const obus = parseObus(data);
  const { units, owners } = toUnits(data, obus, false);
  const parts = await openUnits('av1', units, cipher);
  return assemble(data, obus, units, owners, parts);
}

/**
 * Key frame from the first frame header (§5.9.2 uncompressed_header): with
 * `reduced_still_picture_header` every frame is a key frame; otherwise `show_existing_frame` must
 * be 0 and `frame_type` (2 bits) KEY_FRAME (0).
 *
 * @throws FramingError `'malformed-frame'` when the OBUs cannot be parsed.
 * @example
 * ```ts
 * av1IsKeyFrame(Uint8Array.of(0x12, 0x00, 0x32, 0x01, 0x10)); // true: TD, then a KEY_FRAME frame OBU
 * ```
 */
export function av1IsKeyFrame(frame: Uint8Array): boolean {
  let reducedStill = false;
  for (const obu of parseObus(frame)) {
    if (obu.type === OBU_SEQUENCE_HEADER) {
      const b = frame[obu.payloadStart];
      if (b === undefined) throw malformed('AV1 sequence header truncated');
      reducedStill = (b & 0x08) !== 0; // seq_profile (3) still_picture (1) reduced_still_picture_header (1)
    } else if (obu.type === OBU_FRAME || obu.type === OBU_FRAME_HEADER) {
      if (reducedStill) return true;
      const b = frame[obu.payloadStart];
      if (b === undefined) throw malformed('AV1 frame header truncated');
      return (b & 0x80) === 0 && ((b >> 5) & 0x03) === 0;
    }
  }
  return false;
}
