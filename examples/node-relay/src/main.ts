/**
 * The browser side of the node-relay example: log in (a demo session), ask the app server for a
 * join token for the visit, connect to the relay with it, and join the encrypted call.
 * Open `/?session=session-dr-lee` and `/?session=session-pat-kim` (visit `visit-7f3a9c`).
 */
import { SealError, WebSocketSignaling, createIdentity, formatSafetyNumber, joinRoom, type RemoteParticipant } from 'sealrtc';

const params = new URLSearchParams(location.search);
const session = params.get('session') ?? '';
const visit = params.get('visit') ?? 'visit-7f3a9c';

const grid = document.querySelector<HTMLDivElement>('#grid')!;
const status = document.querySelector<HTMLParagraphElement>('#status')!;

/** Asks the app server for a fresh token; called again before every relay reconnect. */
async function fetchJoin(): Promise<{ token: string; relayUrl: string }> {
  const res = await fetch(`/api/join-token?visit=${encodeURIComponent(visit)}`, { headers: { authorization: `Bearer ${session}` } });
  if (!res.ok) throw new Error(`the app server refused a token (HTTP ${res.status})`);
  return (await res.json()) as { token: string; relayUrl: string };
}

function tile(p: RemoteParticipant): HTMLElement {
  let fig = grid.querySelector<HTMLElement>(`figure[data-participant="${CSS.escape(p.id)}"]`);
  if (!fig) {
    fig = document.createElement('figure');
    fig.dataset.participant = p.id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    fig.append(video, document.createElement('figcaption'));
    grid.append(fig);
  }
  fig.dataset.e2ee = p.e2eeState;
  fig.querySelector('figcaption')!.textContent =
    `${p.displayName ?? p.id} · ${p.e2eeState} · safety number ${formatSafetyNumber(p.safetyNumber)}`;
  return fig;
}

async function main(): Promise<void> {
  const { token, relayUrl } = await fetchJoin();
  // The token we have serves the first connect; every reconnect asks the app server for a fresh one.
  let unused: string | undefined = token;
  const signaling = await WebSocketSignaling.connect({
    url: relayUrl,
    roomId: visit,
    token: async () => {
      const next = unused ?? (await fetchJoin()).token;
      unused = undefined;
      return next;
    },
  });
  const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  const room = await joinRoom({ roomId: visit, identity: createIdentity({ displayName: signaling.localId }), signaling, localStream: camera });
  status.textContent = `joined ${visit} as ${signaling.localId}`;
  status.dataset.joined = signaling.localId;
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
  status.textContent = `could not join: ${e instanceof SealError ? e.code : e instanceof Error ? e.message : String(e)}`;
  status.dataset.error = e instanceof SealError ? e.code : 'app';
});
