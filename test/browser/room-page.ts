/**
 * Browser page for sealrtc's room tests: joins a room through the test's WebSocket bridge,
 * sends a distinctive canvas pattern (and an oscillator as audio), shows every remote video,
 * and exposes `window.sealTest` so the Node test can drive it and compare pictures.
 */
import { joinRoom, type Room } from '../../src/index.js';
import { createIdentity } from '../../src/keys/index.js';
import { bridgeSignaling } from './harness/bridge.js';
import { greyDifference, showVideo } from './harness/picture.js';

const W = 640;
const H = 480;

/** Draws pattern `seed` at `w`×`h`; `tick` only moves a small corner square (so frames keep coming). */
function drawPattern(ctx: CanvasRenderingContext2D, seed: number, w: number, h: number, tick: number): void {
  const sx = w / W;
  const sy = h / H;
  ctx.fillStyle = `hsl(${(seed * 67) % 360} 70% 45%)`;
  ctx.fillRect(0, 0, w, h);
  for (let i = 0; i < 8; i++) {
    const level = ((i * 5 + seed * 3) % 8) * 32;
    ctx.fillStyle = `rgb(${level} ${level} ${level})`;
    ctx.fillRect(i * 80 * sx, 0, 40 * sx, (i % 2 ? 300 : 200) * sy);
  }
  ctx.fillStyle = seed % 2 ? '#fff' : '#000';
  ctx.beginPath();
  ctx.arc((120 + ((seed * 97) % 400)) * sx, 360 * sy, 90 * sx, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = tick % 2 ? '#f00' : '#00f';
  ctx.fillRect(W * sx - 24 * sx, H * sy - 24 * sy, 16 * sx, 16 * sy);
}

function canvasStream(seed: number): { stream: MediaStream; stop: () => void } {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  document.body.append(canvas);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  let tick = 0;
  drawPattern(ctx, seed, W, H, tick);
  const timer = setInterval(() => drawPattern(ctx, seed, W, H, ++tick), 50);
  return { stream: canvas.captureStream(20), stop: () => clearInterval(timer) };
}

function audioTrack(): MediaStreamTrack {
  const ac = new AudioContext();
  const osc = ac.createOscillator();
  osc.frequency.value = 440;
  const dest = ac.createMediaStreamDestination();
  osc.connect(dest);
  osc.start();
  const [track] = dest.stream.getAudioTracks();
  if (!track) throw new Error('no audio track');
  return track;
}

interface StartOptions {
  id: string;
  wsUrl: string;
  seed: number;
  iceServers?: RTCIceServer[];
  config?: RTCConfiguration;
  e2ee?: 'required' | 'disabled-for-testing';
  audio?: boolean;
}

let room: Room | undefined;
let source: { stream: MediaStream; stop: () => void } | undefined;
let audio: MediaStreamTrack | undefined;
const videos = new Map<string, { el: HTMLVideoElement; frames: number }>();
const events: string[] = [];
const epochs: number[] = [];
/** Wall-clock times (ms, sub-ms resolution) of epoch changes and departures, for the benchmark. */
const times: { what: string; t: number }[] = [];
const now = (): number => performance.timeOrigin + performance.now();

function watch(r: Room): void {
  r.on('participant-joined', (p) => events.push(`joined:${p.id}`));
  r.on('participant-left', (p) => {
    times.push({ what: `left:${p.id}`, t: now() });
    events.push(`left:${p.id}`);
  });
  r.on('e2ee-state', (p, s) => events.push(`state:${p.id}:${s}`));
  r.on('error', (e) => events.push(`error:${e.code}`));
  r.on('epoch', (e) => {
    times.push({ what: 'epoch', t: now() });
    epochs.push(e);
  });
  r.on('track', (track, stream, p) => {
    events.push(`track:${p.id}:${track.kind}`);
    if (track.kind !== 'video') return;
    videos.set(p.id, showVideo(stream));
  });
}

const api = {
  async start(o: StartOptions): Promise<{ id: string; identityKey: string }> {
    const signaling = await bridgeSignaling(o.wsUrl, o.id);
    source = canvasStream(o.seed);
    const stream = new MediaStream(source.stream.getVideoTracks());
    if (o.audio !== false) {
      audio = audioTrack();
      stream.addTrack(audio);
    }
    room = await joinRoom({
      roomId: 'sealrtc-test-room',
      identity: createIdentity({ displayName: o.id }),
      signaling,
      localStream: stream,
      ...(o.iceServers ? { iceServers: o.iceServers } : {}),
      ...(o.config ? { config: o.config } : {}),
      ...(o.e2ee ? { e2ee: o.e2ee } : {}),
    });
    watch(room);
    return { id: room.localParticipant.id, identityKey: [...room.localParticipant.identityKey].join(',') };
  },
  state() {
    if (!room) throw new Error('not joined');
    return {
      epoch: room.epoch,
      callCode: room.callCode,
      epochs: [...epochs],
      events: [...events],
      participants: [...room.participants.values()].map((p) => ({ id: p.id, safetyNumber: p.safetyNumber, e2eeState: p.e2eeState, tracks: p.tracks.map((t) => t.kind) })),
      frames: Object.fromEntries([...videos].map(([id, v]) => [id, v.frames])),
      times: [...times],
    };
  },
  async stats() {
    if (!room) throw new Error('not joined');
    const s = await room.getE2EEStats();
    return {
      epoch: s.epoch,
      framesEncrypted: s.framesEncrypted,
      framesDropped: s.framesDropped,
      sendKid: s.sendKid?.toString(),
      participants: Object.fromEntries([...s.participants].map(([id, p]) => [id, {
        state: p.state, framesDecrypted: p.framesDecrypted, framesFailed: p.framesFailed, audioFrames: p.audioFrames,
        videoFrames: p.videoFrames, lastKid: p.lastKid?.toString(), kids: p.kids.map(String),
      }])),
    };
  },
  /** Mean absolute grey difference (64×48) between `participantId`'s video and pattern `seed`. */
  picture(participantId: string, seed: number): { frames: number; width: number; diff: number } {
    const v = videos.get(participantId);
    if (!v || v.el.videoWidth === 0) return { frames: v?.frames ?? 0, width: 0, diff: 255 };
    const ref = document.createElement('canvas');
    ref.width = W;
    ref.height = H;
    const ctx = ref.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    drawPattern(ctx, seed, W, H, 0);
    return { frames: v.frames, width: v.el.videoWidth, diff: greyDifference(v.el, ref) };
  },
  async share(seed: number): Promise<void> {
    if (!room) throw new Error('not joined');
    source?.stop();
    source = canvasStream(seed);
    await room.setLocalStream(new MediaStream([...source.stream.getVideoTracks(), ...(audio ? [audio] : [])]));
  },
  /** Starts sending audio too (a new track kind: renegotiation). */
  async addAudio(): Promise<void> {
    if (!room || !source) throw new Error('not joined');
    audio ??= audioTrack();
    await room.setLocalStream(new MediaStream([...source.stream.getVideoTracks(), audio]));
  },
  /** Stops sending audio (renegotiation). */
  async removeAudio(): Promise<void> {
    if (!room || !source) throw new Error('not joined');
    await room.setLocalStream(new MediaStream(source.stream.getVideoTracks()));
  },
  /** Leaves (twice: idempotent); returns the wall-clock time the leave started. */
  async leave(): Promise<number> {
    const t = now();
    await room?.leave();
    await room?.leave();
    times.push({ what: 'left-self', t: now() });
    return t;
  },
};

declare global {
  interface Window {
    sealTest: typeof api;
  }
}
window.sealTest = api;
