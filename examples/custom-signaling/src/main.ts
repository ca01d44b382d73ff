/**
 * An encrypted call whose signaling runs over plain HTTP + Server-Sent Events instead of
 * WebSockets: the only sealrtc-specific part is handing `joinRoom` a `Signaling` object.
 * Open `/?room=<room>&id=<your name>` in two tabs.
 */
import { createIdentity, formatSafetyNumber, joinRoom, type RemoteParticipant } from 'sealrtc';
import { connectSseSignaling } from './sse-signaling';

const params = new URLSearchParams(location.search);
const id = params.get('id') ?? `guest-${crypto.randomUUID().slice(0, 8)}`;
const roomId = params.get('room') ?? 'demo';

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
    video.muted = true; // no sound in this example
    fig.append(video, document.createElement('figcaption'));
    grid.append(fig);
  }
  fig.dataset.e2ee = p.e2eeState;
  fig.querySelector('figcaption')!.textContent =
    `${p.displayName ?? p.id} · ${p.e2eeState} · safety number ${formatSafetyNumber(p.safetyNumber)}`;
  return fig;
}

async function main(): Promise<void> {
  const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  const signaling = await connectSseSignaling(location.origin, roomId, id);
  const room = await joinRoom({ roomId, identity: createIdentity({ displayName: id }), signaling, localStream: camera, iceServers: [] });
  status.textContent = `joined ${roomId} as ${id} over HTTP + SSE`;
  status.dataset.joined = 'true';
  room.on('participant-joined', (p) => tile(p));
  room.on('e2ee-state', (p) => tile(p));
  room.on('participant-left', (p) => grid.querySelector(`figure[data-participant="${CSS.escape(p.id)}"]`)?.remove());
  room.on('track', (track, stream, p) => {
    if (track.kind === 'video') tile(p).querySelector('video')!.srcObject = stream;
  });
  room.on('error', (e) => console.warn(`sealrtc: ${e.code}`));
  addEventListener('pagehide', () => {
    void room.leave().finally(() => signaling.close());
  });
}

main().catch((e: unknown) => {
  status.textContent = `could not join: ${e instanceof Error && 'code' in e ? String(e.code) : String(e)}`;
  status.dataset.error = 'true';
});
