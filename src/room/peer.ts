/**
 * The seam between the room and WebRTC: one {@link MeshPeer} per remote participant,
 * made by a {@link PeerFactory}, plus the codec for the WebRTC signal data those peers
 * exchange inside the authenticated pairwise channel.
 *
 * The production factory wraps simple-peer (`simple-peer-backend.ts`); Node tests
 * inject a fake. Signal data (SDP offers/answers, trickled ICE candidates,
 * renegotiation requests) never touches the relay in clear: the room hands the
 * encoded envelope to `GroupKeySession.sendToPeer`, which seals it in the pairwise
 * AEAD channel, so the relay can neither read ICE addresses nor alter SDP.
 *
 * Envelope (UTF-8 JSON inside the pairwise channel):
 *
 * ```
 *   { "v": 1, "k": "rtc", "s": <signal> }
 *     v  envelope version (1)
 *     k  "rtc" — WebRTC signal data for this participant's mesh peer
 *     s  { type?, sdp?, candidate?, renegotiate?, transceiverRequest? }
 * ```
 *
 * @module
 */
import { RoomError } from './errors.js';

/** WebRTC signal data as simple-peer emits and accepts it (validated, known fields only). */
export interface PeerSignal {
  type?: 'offer' | 'answer' | 'pranswer' | 'rollback' | 'candidate' | 'renegotiate' | 'transceiverRequest';
  sdp?: string;
  candidate?: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null; usernameFragment?: string | null };
  renegotiate?: true;
  transceiverRequest?: { kind: 'audio' | 'video'; init?: { direction?: RTCRtpTransceiverDirection } };
}

/** Events of a {@link MeshPeer}. */
export interface MeshPeerEvents {
  [event: string]: unknown[];
  /** Signal data to deliver to the remote peer's `signal()`. */
  signal: [data: PeerSignal];
  /** A remote track arrived (its receive transform is already attached). */
  track: [track: MediaStreamTrack, stream: MediaStream];
  /** The connection is up. */
  connect: [];
  /** The connection is gone (after `destroy()` or a failure). */
  close: [];
  /** The connection failed; `code` is the backend's own code when it has one. */
  error: [error: Error & { code?: string }];
  /** One binary message arrived on the peer's data channel (room chat and files, end-to-end sealed). */
  data: [data: Uint8Array];
}

/** One WebRTC connection to one remote participant (simple-peer's surface, narrowed). */
export interface MeshPeer {
  /** Apply signal data that came from the remote peer. */
  signal(data: PeerSignal): void;
  /** Send a local track (negotiates). */
  addTrack(track: MediaStreamTrack, stream: MediaStream): void;
  /** Swap the track of an existing sender without renegotiation. */
  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, stream: MediaStream): void;
  /** Stop sending a track (negotiates). */
  removeTrack(track: MediaStreamTrack, stream: MediaStream): void;
  /**
   * Send one binary message on the peer's reliable, ordered data channel (`'connect'` means
   * it is open). @throws when the channel is not open or the backend refuses the message.
   */
  sendData(data: Uint8Array): void;
  /** Whether the data channel is open (after `'connect'`, before `'close'`). */
  readonly dataOpen: boolean;
  /** Bytes queued on the data channel and not yet sent (`RTCDataChannel.bufferedAmount`). */
  readonly dataBufferedAmount: number;
  /** Close the connection; idempotent. */
  destroy(): void;
  /** Subscribe; returns the unsubscribe function. */
  on<K extends keyof MeshPeerEvents>(event: K, listener: (...args: MeshPeerEvents[K]) => void): () => void;
}

/** What a {@link PeerFactory} is given for one remote participant. */
export interface PeerFactoryOptions {
  /** Deterministic: exactly one side of each pair initiates (no glare). */
  initiator: boolean;
  /** The remote participant's id. */
  remoteId: string;
  /** Full `RTCPeerConnection` configuration, `iceServers` always present. */
  config: RTCConfiguration;
  /** Called for every sender right after it is created, before any negotiation. Throwing aborts the add. */
  onSender(sender: RTCRtpSender): void;
  /** Called for every receiver as soon as its transceiver exists, before its `track` event. */
  onReceiver(receiver: RTCRtpReceiver): void;
}

/**
 * Makes the mesh peer for one remote participant.
 *
 * @example
 * ```ts
 * const factory: PeerFactory = (opts) => new MyPeer(opts);
 * ```
 */
export type PeerFactory = (options: PeerFactoryOptions) => MeshPeer;

/** Upper bound on one encoded envelope; real SDP for a few tracks is ~5–10 KB. */
const MAX_ENVELOPE_BYTES = 256 * 1024;
const SIGNAL_TYPES = new Set(['offer', 'answer', 'pranswer', 'rollback', 'candidate', 'renegotiate', 'transceiverRequest']);

/**
 * Encode signal data for `sendToPeer`.
 *
 * @example
 * ```ts
 * session.sendToPeer(peerId, encodeSignal({ type: 'offer', sdp }));
 * ```
 */
export function encodeSignal(signal: PeerSignal): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, k: 'rtc', s: signal }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optString(v: unknown): v is string | null | undefined {
  return v === undefined || v === null || typeof v === 'string';
}

/**
 * Decode and validate an envelope from a peer. Returns `undefined` when the bytes are
 * an envelope of another kind (for future room messages), and keeps only known fields.
 *
 * @throws RoomError `'bad-signal'` when the bytes are not a valid version-1 envelope.
 * @example
 * ```ts
 * const signal = decodeSignal(bytes);
 * if (signal) peer.signal(signal);
 * ```
 */
export function decodeSignal(bytes: Uint8Array): PeerSignal | undefined {
  const bad = (why: string): RoomError => new RoomError('bad-signal', `invalid signal envelope: ${why}`);
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) throw bad('too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new RoomError('bad-signal', 'invalid signal envelope: not JSON', { cause });
  }
  if (!isRecord(parsed) || parsed['v'] !== 1) throw bad('unknown version');
  if (parsed['k'] !== 'rtc') return undefined;
  const s = parsed['s'];
  if (!isRecord(s)) throw bad('missing signal');
  const out: PeerSignal = {};
  const type = s['type'];
  if (type !== undefined) {
    if (typeof type !== 'string' || !SIGNAL_TYPES.has(type)) throw bad('unknown type');
    out.type = type as NonNullable<PeerSignal['type']>;
  }
  if (s['sdp'] !== undefined) {
    if (typeof s['sdp'] !== 'string') throw bad('sdp');
    out.sdp = s['sdp'];
  }
  const c = s['candidate'];
  if (c !== undefined) {
    if (!isRecord(c) || typeof c['candidate'] !== 'string' || !optString(c['sdpMid']) || !optString(c['usernameFragment']))
      throw bad('candidate');
    const idx = c['sdpMLineIndex'];
    if (idx !== undefined && idx !== null && !(Number.isInteger(idx) && (idx as number) >= 0 && (idx as number) < 1024))
      throw bad('candidate');
    out.candidate = { candidate: c['candidate'], sdpMid: c['sdpMid'], sdpMLineIndex: idx as number | null | undefined, usernameFragment: c['usernameFragment'] };
  }
  if (s['renegotiate'] !== undefined) {
    if (s['renegotiate'] !== true) throw bad('renegotiate');
    out.renegotiate = true;
  }
  const tr = s['transceiverRequest'];
  if (tr !== undefined) {
    if (!isRecord(tr) || (tr['kind'] !== 'audio' && tr['kind'] !== 'video')) throw bad('transceiverRequest');
    out.transceiverRequest = { kind: tr['kind'] };
  }
  if (out.sdp === undefined && out.candidate === undefined && out.renegotiate === undefined && out.transceiverRequest === undefined)
    throw bad('empty');
  if (out.sdp !== undefined && out.type !== 'offer' && out.type !== 'answer' && out.type !== 'pranswer' && out.type !== 'rollback')
    throw bad('sdp without description type');
  return out;
}
