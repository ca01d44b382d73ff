/**
 * Page of the browser-media benchmark (`browser-media.bench.ts`): one page, two peer connections
 * (sender → receiver) over loopback, one worker for both directions, as a two-party call would
 * have on each side. Modes: `e2ee` (sealrtc worker, SFrame), `passthrough` (the same worker
 * without crypto), `none` (no transform at all).
 */
import { E2EEController } from '../src/media/transform/index.js';
import { drawPattern } from '../test/browser/harness/picture.js';

type Mode = 'e2ee' | 'passthrough' | 'none';

/** A busy source: the test pattern plus moving noise blocks, so frames have camera-like sizes. */
function busyStream(width: number, height: number, fps: number): { stream: MediaStream; stop: () => void } {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const g = c.getContext('2d')!;
  let tick = 0;
  const draw = (): void => {
    drawPattern(g, width, height, tick++);
    for (let i = 0; i < 40; i++) {
      const v = (Math.random() * 255) | 0;
      g.fillStyle = `rgb(${v},${255 - v},${(v * 7) & 255})`;
      g.fillRect(Math.random() * width, Math.random() * height, width / 24, height / 24);
    }
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const stream = c.captureStream(fps);
  return { stream, stop: () => (clearInterval(timer), stream.getTracks().forEach((t) => t.stop())) };
}

async function run(o: { codec: string; width: number; height: number; mode: Mode; seconds: number }) {
  const e2ee =
    o.mode === 'none'
      ? undefined
      : await E2EEController.create(o.mode === 'passthrough' ? { worker: new Worker('/worker.js') } : {});
  const key = crypto.getRandomValues(new Uint8Array(32));
  e2ee?.setSendKey(1n, key);
  e2ee?.addReceiveKey('self', 1n, key);
  await e2ee?.getStats(); // the worker has applied the keys: as in a call, keys precede media
  const cfg = e2ee?.rtcConfig ?? {};
  const a = new RTCPeerConnection(cfg);
  const b = new RTCPeerConnection(cfg);
  a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate));
  b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate));
  const src = busyStream(o.width, o.height, 30);
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  document.body.append(video);
  let firstFrame!: (t: number) => void;
  const first = new Promise<number>((r) => (firstFrame = r));
  b.ontrack = (ev) => {
    video.srcObject = new MediaStream([ev.track]);
    void video.play();
    video.requestVideoFrameCallback((now) => firstFrame(now));
  };

  // Time to first frame: from the start of negotiation to the first frame the receiver presents.
  const t0 = performance.now();
  const sender = a.addTrack(src.stream.getVideoTracks()[0]!, src.stream);
  e2ee?.attachSender(sender);
  // Keep the requested resolution (the encoder would otherwise scale down during the ramp-up).
  const params = sender.getParameters();
  params.degradationPreference = 'maintain-resolution';
  for (const enc of params.encodings) enc.maxBitrate = 4_000_000;
  await sender.setParameters(params);
  const want = `video/${o.codec}`.toLowerCase();
  const caps = RTCRtpReceiver.getCapabilities('video')?.codecs ?? [];
  a.getTransceivers()[0]!.setCodecPreferences([
    ...caps.filter((c) => c.mimeType.toLowerCase() === want),
    ...caps.filter((c) => c.mimeType.toLowerCase() !== want),
  ]);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  for (const t of b.getTransceivers()) e2ee?.attachReceiver(t.receiver, 'self');
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription!);
  const ttffMs = (await Promise.race([first, new Promise<number>((r) => setTimeout(() => r(NaN), 15_000))])) - t0;

  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  const stats = await e2ee?.getStats();
  let framesEncoded = 0;
  let bytesSent = 0;
  let framesDecoded = 0;
  let codec = '';
  let encodedSize = '';
  const ra = await a.getStats();
  ra.forEach((s: { type: string; framesEncoded?: number; bytesSent?: number; codecId?: string; frameWidth?: number; frameHeight?: number }) => {
    if (s.type === 'outbound-rtp') {
      framesEncoded = s.framesEncoded ?? 0;
      bytesSent = s.bytesSent ?? 0;
      encodedSize = `${s.frameWidth ?? 0}x${s.frameHeight ?? 0}`;
      codec = (s.codecId ? (ra.get(s.codecId) as { mimeType?: string } | undefined)?.mimeType : '') ?? '';
    }
  });
  (await b.getStats()).forEach((s: { type: string; framesDecoded?: number }) => {
    if (s.type === 'inbound-rtp') framesDecoded = s.framesDecoded ?? 0;
  });
  const tx = stats?.get('');
  const rx = stats?.get('self');
  a.close();
  b.close();
  src.stop();
  video.remove();
  e2ee?.close();
  return {
    codec,
    encodedSize,
    crossOriginIsolated,
    ttffMs,
    framesEncoded,
    framesDecoded,
    avgFrameBytes: framesEncoded ? bytesSent / framesEncoded : 0,
    sendUs: tx?.medianFrameUs ?? NaN,
    recvUs: rx?.medianFrameUs ?? NaN,
    sendMeanUs: tx && tx.framesEncrypted ? (tx.workerTimeMs * 1000) / tx.framesEncrypted : NaN,
    recvMeanUs: rx && rx.framesDecrypted ? (rx.workerTimeMs * 1000) / rx.framesDecrypted : NaN,
    workerFrames: (tx?.framesEncrypted ?? 0) + (rx?.framesDecrypted ?? 0),
    failed: rx?.framesFailed ?? 0,
  };
}

declare global {
  interface Window {
    sealbench: { run: typeof run };
  }
}
window.sealbench = { run };
