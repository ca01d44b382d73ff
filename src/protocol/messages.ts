/**
 * The sealrtc control messages, as types and limits.
 *
 * Two layers travel through the untrusted {@link Signaling} transport:
 *
 * 1. **Wire messages** — what the relay sees. `hello` and `auth` run the pairwise handshake
 *    (nothing secret in them); `msg` carries one AEAD-sealed channel message.
 * 2. **Channel messages** — the plaintext inside a `msg`: media keys, acknowledgements,
 *    application bytes (WebRTC SDP/ICE, chat) and a goodbye. The relay never sees them.
 *
 * Every message is one msgpack map with string keys (msgpackr, no extensions, no records):
 *
 * ```
 * wire  hello  { v:1, t:"hello", room:str, id:str, idk:bin32, commit:bin32 }
 *       auth   { v:1, t:"auth",  room:str, id:str, to:str, idk:bin32, eph:bin32,
 *                name:str, att:bin0|bin64, sig:bin64 }
 *       msg    { v:1, t:"msg",   room:str, id:str, to:str, ctr:uint, ct:bin }
 *
 * chan  key    { t:"key", kid:uint32, key:bin32 }      a sender's media base key
 *       ack    { t:"ack", kid:uint32 }                  "I installed that key"
 *       app    { t:"app", data:bin }                    bytes from sendToPeer
 *       bye    { t:"bye" }                              leaving the call
 * ```
 *
 * `v` is the protocol version; a peer speaking another version is rejected with
 * `'unsupported-version'` rather than guessed at.
 *
 * @module
 */

/** The control protocol version this build speaks. */
export const PROTOCOL_VERSION = 1;

/** Size limits enforced before and after decoding (bytes or UTF-16 code units for strings). */
export const LIMITS = {
  /** Largest encoded wire message accepted or produced. */
  wireBytes: 65_536,
  /** Largest `data` of an `app` channel message (SDP with many candidates fits easily). */
  appBytes: 60_000,
  roomId: 256,
  peerId: 128,
  displayName: 128,
} as const;

/** Broadcast hello: announces an identity key and a commitment to this call's X25519 key. */
export interface HelloMessage {
  v: 1;
  t: 'hello';
  room: string;
  id: string;
  /** Ed25519 identity public key. */
  idk: Uint8Array;
  /** SHA-256 of the sender's X25519 public key for this call (revealed later in `auth`). */
  commit: Uint8Array;
}

/** Directed handshake message: reveals the X25519 key and signs the transcript. */
export interface AuthMessage {
  v: 1;
  t: 'auth';
  room: string;
  id: string;
  to: string;
  idk: Uint8Array;
  /** X25519 public key for this call. */
  eph: Uint8Array;
  /** Display name ('' when none). */
  name: string;
  /** App-server attestation over the identity card (empty when none). */
  att: Uint8Array;
  /** Ed25519 signature over the handshake transcript. */
  sig: Uint8Array;
}

/** One AEAD-sealed channel message. */
export interface SealedMessage {
  v: 1;
  t: 'msg';
  room: string;
  id: string;
  to: string;
  /** The sender's channel counter (also the AEAD nonce). */
  ctr: number;
  /** AES-256-GCM ciphertext ‖ 16-byte tag. */
  ct: Uint8Array;
}

/** Anything that travels through the relay. */
export type WireMessage = HelloMessage | AuthMessage | SealedMessage;

/** A sender's media base key for one KID. */
export interface KeyMessage {
  t: 'key';
  kid: number;
  key: Uint8Array;
}
/** Acknowledges that the key with `kid` is installed. */
export interface AckMessage {
  t: 'ack';
  kid: number;
}
/** Opaque application bytes (`GroupKeySession.sendToPeer`). */
export interface AppMessage {
  t: 'app';
  data: Uint8Array;
}
/** The sender is leaving the call. */
export interface ByeMessage {
  t: 'bye';
}

/** Anything that travels inside a pairwise channel. */
export type ChannelMessage = KeyMessage | AckMessage | AppMessage | ByeMessage;
