/**
 * Browser page for the relay-capture test (issue #5 §6): a participant joins a room over the real
 * `WebSocketSignaling` and the real relay, and records — through test-only tees in this page,
 * never in the SDK — every piece of key material it handles, so the Node test can search the
 * relay's capture for it:
 *
 * - media base keys, as the key session hands them to the transform controller (a `MediaKeySink`
 *   tee wrapped around `E2EEController`), and the SFrame key/salt derived from each
 *   (`deriveKeyMaterial`, RFC 9605 §4.4.2);
 * - pairwise channel secrets: every raw key this page imports into WebCrypto (X25519 shared
 *   secrets as HKDF input, channel AES keys, ratchet inputs) and every HKDF output, observed by
 *   wrapping `crypto.subtle` on this page;
 * - the identity's Ed25519 seed (`exportIdentity`);
 * - the WebRTC signal data (SDP, ICE candidates) its mesh peers send and receive.
 */
import { unpack } from 'msgpackr';
import { WebSocketSignaling } from '../../src/signaling/websocket.js';
import { createIdentity, exportIdentity, GroupKeySession } from '../../src/keys/index.js';
import { E2EEController } from '../../src/media/transform/index.js';
import { joinRoomWith } from '../../src/room/join.js';
import type { PeerFactory, PeerSignal } from '../../src/room/peer.js';
import type { Room } from '../../src/room/room.js';
import { simplePeerFactory } from '../../src/room/simple-peer-backend.js';
import { DEFAULT_CIPHER_SUITE, deriveKeyMaterial } from '../../src/sframe/index.js';
import { startPatternStream } from './harness/picture.js';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const bytesOf = (d: BufferSource): Uint8Array =>
  d instanceof ArrayBuffer ? new Uint8Array(d.slice(0)) : new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));

/** Everything secret this page saw, hex-encoded, by kind. */
const secrets = {
  baseKeys: [] as { kid: string; key: string; role: 'send' | 'receive' }[],
  sframeKeys: [] as string[],
  sframeSalts: [] as string[],
  importedRaw: [] as { alg: string; key: string }[],
  hkdfOutputs: [] as string[],
  identitySeed: '',
};
const signals: PeerSignal[] = [];
const pending: Promise<void>[] = [];

// ---- crypto.subtle tee (this page only) --------------------------------------------------------
const subtle = crypto.subtle;
const importKey = subtle.importKey.bind(subtle) as (...a: unknown[]) => Promise<CryptoKey>;
const deriveBits = subtle.deriveBits.bind(subtle);
Object.assign(subtle, {
  importKey: (format: string, data: BufferSource, alg: AlgorithmIdentifier, ...rest: unknown[]) => {
    if (format === 'raw') secrets.importedRaw.push({ alg: typeof alg === 'string' ? alg : alg.name, key: hex(bytesOf(data)) });
    return importKey(format, data, alg, ...rest);
  },
  deriveBits: async (alg: AlgorithmIdentifier, key: CryptoKey, length: number) => {
    const out = await deriveBits(alg, key, length);
    secrets.hkdfOutputs.push(hex(new Uint8Array(out)));
    return out;
  },
});

function recordBaseKey(role: 'send' | 'receive', kid: bigint, baseKey: Uint8Array): void {
  const copy = baseKey.slice();
  secrets.baseKeys.push({ kid: kid.toString(), key: hex(copy), role });
  pending.push(
    deriveKeyMaterial(DEFAULT_CIPHER_SUITE, copy, kid).then(({ key, salt }) => {
      secrets.sframeKeys.push(hex(key));
      secrets.sframeSalts.push(hex(salt));
    }),
  );
}

/** The controller with its key calls observed (a MediaKeySink tee). */
async function teeController(opts: { worker?: Worker }): Promise<E2EEController> {
  const c = await E2EEController.create(opts);
  const setSendKey = c.setSendKey.bind(c);
  const addReceiveKey = c.addReceiveKey.bind(c);
  c.setSendKey = (kid, baseKey) => {
    recordBaseKey('send', kid, baseKey);
    setSendKey(kid, baseKey);
  };
  c.addReceiveKey = (id, kid, baseKey) => {
    recordBaseKey('receive', kid, baseKey);
    addReceiveKey(id, kid, baseKey);
  };
  return c;
}

/** simple-peer mesh peers with their signal data observed both ways. */
function teePeers(inner: PeerFactory): PeerFactory {
  return (opts) => {
    const peer = inner(opts);
    peer.on('signal', (s) => signals.push(s));
    const signal = peer.signal.bind(peer);
    peer.signal = (s) => {
      signals.push(s);
      signal(s);
    };
    return peer;
  };
}

let room: Room | undefined;
let signaling: WebSocketSignaling | undefined;
let source: { stop: () => void } | undefined;

const api = {
  async start(o: { url: string; roomId: string; id: string }): Promise<string> {
    const identity = createIdentity({ displayName: o.id });
    const blob = exportIdentity(identity);
    secrets.identitySeed = hex((unpack(blob) as { seed: Uint8Array }).seed);
    blob.fill(0);
    signaling = await WebSocketSignaling.connect({ url: o.url, roomId: o.roomId, peerId: o.id });
    const pattern = startPatternStream(320, 240);
    source = pattern;
    room = await joinRoomWith(
      { roomId: o.roomId, identity, signaling, localStream: pattern.stream, iceServers: [] },
      { createController: teeController, createSession: (s) => new GroupKeySession(s), peerFactory: teePeers(simplePeerFactory()) },
    );
    return room.localParticipant.id;
  },
  /** Per remote participant: E2EE state, decrypted video frames, KID of the last one. */
  async stats(): Promise<{ epoch: number; peers: Record<string, { state: string; video: number; lastKid: string }> }> {
    if (!room) throw new Error('not joined');
    const s = await room.getE2EEStats();
    const peers: Record<string, { state: string; video: number; lastKid: string }> = {};
    for (const [id, p] of s.participants) peers[id] = { state: p.state, video: p.videoFrames, lastKid: String(p.lastKid) };
    return { epoch: s.epoch, peers };
  },
  async secrets(): Promise<{ secrets: typeof secrets; signals: PeerSignal[] }> {
    await Promise.all(pending);
    return { secrets, signals };
  },
  /** Test self-check: deliberately send `hexBytes` through the relay (the searcher must find it). */
  leak(to: string, hexBytes: string): void {
    const bytes = new Uint8Array(hexBytes.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
    signaling?.send(to, bytes);
  },
  async leave(): Promise<void> {
    await room?.leave();
    signaling?.close();
    source?.stop();
  },
};

declare global {
  interface Window {
    relayCapture: typeof api;
  }
}
window.relayCapture = api;
