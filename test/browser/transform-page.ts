/**
 * Test page for the transform-worker browser tests (`transform.test.mjs`): raw
 * RTCPeerConnections, one `E2EEController` per page, driven from Node through `window.sealtest`.
 * Signaling is the test's job: it carries complete SDP (ICE gathered) between two pages.
 */
import { E2EEController } from '../../src/media/transform/index.js';
import type { EncodedTransformApi } from '../../src/platform/index.js';
import { listen, pictureDifference, startPatternStream, startTone } from './harness/picture.js';

interface Conn {
  pc: RTCPeerConnection;
  video?: HTMLVideoElement;
  hear?: () => { peakHz: number; peakOverMedianDb: number };
}

const conns = new Map<string, Conn>();
let e2ee: E2EEController | undefined;
const receiveStates: string[] = [];
const errors: string[] = [];

/** Shows received video in a `<video>` and listens to received audio. */
function showIncoming(c: Conn): void {
  c.pc.addEventListener('track', (ev) => {
    if (ev.track.kind === 'video') {
      const v = document.createElement('video');
      v.muted = true;
      v.autoplay = true;
      v.playsInline = true;
      v.srcObject = new MediaStream([ev.track]);
      document.body.append(v);
      void v.play();
      c.video = v;
    } else {
      c.hear = listen(new MediaStream([ev.track]));
    }
  });
}

const hexToBytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));

async function gathered(pc: RTCPeerConnection): Promise<string> {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5000); // bounded: send what was gathered
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') (clearTimeout(t), resolve());
      });
    });
  }
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error('no local description');
  return sdp;
}

function conn(name: string): Conn {
  const c = conns.get(name);
  if (!c) throw new Error(`no connection ${name}`);
  return c;
}

const api = {
  /** Creates this page's controller (bundled Blob worker, or the app-served worker file). */
  async init(opts: { api?: EncodedTransformApi; appWorker?: boolean }) {
    e2ee = await E2EEController.create({
      ...(opts.api ? { api: opts.api } : {}),
      ...(opts.appWorker ? { worker: new Worker('/sealrtc-worker.js') } : {}),
    });
    e2ee.on('receive-state', (id, state) => receiveStates.push(`${id}:${state}`));
    e2ee.on('error', (e) => errors.push(e.code));
    return { api: e2ee.api, rtcConfig: JSON.stringify(e2ee.rtcConfig) };
  },

  /** Sender side: pattern video (+ tone), optional forced codec; returns the offer. */
  async offer(name: string, o: { encrypt: boolean; codec?: string; width?: number; height?: number; audioHz?: number; receiveFrom?: string }) {
    const pc = new RTCPeerConnection(o.encrypt && e2ee ? e2ee.rtcConfig : {});
    const c: Conn = { pc };
    conns.set(name, c);
    showIncoming(c);
    const { stream } = startPatternStream(o.width ?? 320, o.height ?? 240);
    const video = stream.getVideoTracks()[0]!;
    const vs = pc.addTrack(video, stream);
    if (o.encrypt) e2ee!.attachSender(vs);
    // Two-way call: this addTrack transceiver also receives. Attach its receive transform now —
    // in the 'track' event it would silently get no frames (the Chromium trap).
    if (o.receiveFrom !== undefined) e2ee!.attachReceiver(pc.getTransceivers().find((t) => t.sender === vs)!.receiver, o.receiveFrom);
    if (o.audioHz) {
      const as = pc.addTrack(startTone(o.audioHz).track, stream);
      if (o.encrypt) e2ee!.attachSender(as);
    }
    if (o.codec) {
      const want = `video/${o.codec}`.toLowerCase();
      const caps = RTCRtpReceiver.getCapabilities('video')?.codecs ?? [];
      const t = pc.getTransceivers().find((x) => x.sender === vs)!;
      t.setCodecPreferences([...caps.filter((c) => c.mimeType.toLowerCase() === want), ...caps.filter((c) => c.mimeType.toLowerCase() !== want)]);
    }
    await pc.setLocalDescription();
    return gathered(pc);
  },

  /** Receiver side: applies the offer, attaches receive transforms (when decrypting), answers. */
  async answer(name: string, sdp: string, o: { decrypt: boolean; participantId: string; sendBack?: 'attach-first' | 'replace-first' }) {
    const pc = new RTCPeerConnection(o.decrypt && e2ee ? e2ee.rtcConfig : {});
    const c: Conn = { pc };
    conns.set(name, c);
    showIncoming(c);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    // Transceivers created by the remote offer: attach now, before the answer (never in 'track').
    if (o.decrypt) for (const t of pc.getTransceivers()) e2ee!.attachReceiver(t.receiver, o.participantId);
    if (o.sendBack) {
      // Send back on the transceiver the offer created. The transform must be attached before
      // replaceTrack: the other order is the Chromium bypass the controller's watchdog catches.
      const t = pc.getTransceivers().find((x) => x.receiver.track.kind === 'video')!;
      const track = startPatternStream(320, 240).stream.getVideoTracks()[0]!;
      if (o.sendBack === 'attach-first') e2ee!.attachSender(t.sender);
      await t.sender.replaceTrack(track);
      t.direction = 'sendrecv';
      if (o.sendBack === 'replace-first') e2ee!.attachSender(t.sender);
    }
    await pc.setLocalDescription();
    return gathered(pc);
  },

  async accept(name: string, sdp: string) {
    await conn(name).pc.setRemoteDescription({ type: 'answer', sdp });
  },

  setSendKey: (kid: string, hex: string) => e2ee!.setSendKey(BigInt(kid), hexToBytes(hex)),
  addReceiveKey: (pid: string, kid: string, hex: string) => e2ee!.addReceiveKey(pid, BigInt(kid), hexToBytes(hex)),
  removeKey: (kid: string) => e2ee!.removeKey(BigInt(kid)),

  /** What the receiver shows: decoded frames (browser stats) and the picture difference. */
  async picture(name: string) {
    const c = conn(name);
    let framesDecoded = 0;
    let packetsReceived = 0;
    let codec = '';
    const report = await c.pc.getStats();
    report.forEach((s: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number; codecId?: string }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        framesDecoded = s.framesDecoded ?? 0;
        packetsReceived = s.packetsReceived ?? 0;
        const cs = s.codecId ? (report.get(s.codecId) as { mimeType?: string } | undefined) : undefined;
        codec = cs?.mimeType ?? '';
      }
    });
    return { framesDecoded, packetsReceived, codec, diff: c.video ? pictureDifference(c.video) : 255 };
  },

  hear: (name: string) => conn(name).hear?.() ?? { peakHz: 0, peakOverMedianDb: 0 },

  /** The controller's counters, bigints as strings (JSON-safe). */
  async stats() {
    const m = await e2ee!.getStats();
    return Object.fromEntries(
      [...m].map(([k, s]) => [k, { ...s, kids: s.kids.map(String), lastKid: s.lastKid === undefined ? null : String(s.lastKid) }]),
    );
  },

  events: () => ({ receiveStates: [...receiveStates], errors: [...errors] }),

  close() {
    for (const c of conns.values()) c.pc.close();
    conns.clear();
    e2ee?.close();
  },
};

declare global {
  interface Window {
    sealtest: typeof api;
  }
}
window.sealtest = api;
