/**
 * A minimal sealrtc app: join a room with the camera, show every participant's video with its
 * encryption state and safety number. Open it as `?id=<your name>&signal=ws://<relay>&room=<room>`.
 */
import { createIdentity, joinRoom, type RemoteParticipant } from 'sealrtc';
import { connectSignaling } from './signaling';

const params = new URLSearchParams(location.search);
const id = params.get('id') ?? `guest-${crypto.randomUUID().slice(0, 8)}`;
const roomId = params.get('room') ?? 'demo';
const signalUrl = params.get('signal') ?? `ws://${location.hostname}:8787`;

const grid = document.querySelector<HTMLDivElement>('#grid')!;
const status = document.querySelector<HTMLParagraphElement>('#status')!;

function tile(p: RemoteParticipant): HTMLElement {
  let fig = grid.querySelector<HTMLElement>(`figure[data-participant="${CSS.escape(p.id)}"]`);
  if (!fig) {
    fig = document.createElement('figure');
    fig.dataset.participant = p.id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true; // this demo plays no sound; remove to hear participants
    fig.append(video, document.createElement('figcaption'));
    grid.append(fig);
  }
  fig.dataset.e2ee = p.e2eeState;
  fig.querySelector('figcaption')!.textContent = `${p.displayName ?? p.id} · ${p.e2eeState} · safety number ${p.safetyNumber}`;
  return fig;
}

async function main(): Promise<void> {
  const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
  const room = await joinRoom({
    roomId,
    identity: createIdentity({ displayName: id }),
    signaling: await connectSignaling(signalUrl, id),
    localStream: camera,
    iceServers: [], // add your STUN/TURN servers here; nothing else is ever used
  });
  status.textContent = `joined ${roomId} as ${id}`;
  status.dataset.joined = 'true';
  room.on('participant-joined', (p) => tile(p));
  room.on('e2ee-state', (p) => tile(p));
  room.on('participant-left', (p) => grid.querySelector(`figure[data-participant="${CSS.escape(p.id)}"]`)?.remove());
  room.on('track', (track, stream, p) => {
    if (track.kind === 'video') tile(p).querySelector('video')!.srcObject = stream;
  });
  room.on('error', (e) => console.warn(`sealrtc: ${e.code}`));
  addEventListener('pagehide', () => void room.leave());
}

main().catch((e: unknown) => {
  status.textContent = `could not join: ${e instanceof Error && 'code' in e ? String(e.code) : String(e)}`;
  status.dataset.error = 'true';
});
