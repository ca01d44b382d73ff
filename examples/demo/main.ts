/**
 * The sealrtc demo page: join the room named in the URL hash (`#room=…`), send the camera (or a
 * test pattern), and show every other participant with its end-to-end encryption state, safety
 * number, code to read aloud and the group call code. Served by `npm run demo` (scripts/demo.mjs),
 * which also runs the relay behind `/relay` on the same origin.
 *
 * The identity is created fresh for each tab; a real app persists its users' identities
 * (`exportIdentity` / `importIdentity`, encrypted at rest).
 */
import { createIdentity, joinRoom, WebSocketSignaling, type Room } from 'sealrtc';
import { localMedia, type LocalMedia } from './media.js';
import { Tiles } from './tiles.js';

/** What the demo server says in `/config.json`. */
interface DemoConfig {
  iceServers: RTCIceServer[];
  relayPath: string;
}

const $ = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing`);
  return e as T;
};
const status = $<HTMLParagraphElement>('status');
const leaveBtn = $<HTMLButtonElement>('leave');
const tiles = new Tiles($('grid'), $('waiting'));

function say(text: string, kind: 'ok' | 'wait' | 'error' | 'info' = 'info'): void {
  status.textContent = text;
  status.dataset.kind = kind;
}

/** Room id and options from the hash; a random room id is written back so the link can be shared. */
function hashParams(): { roomId: string; name: string; forcePattern: boolean } {
  const params = new URLSearchParams(location.hash.slice(1));
  let roomId = params.get('room') ?? '';
  if (!/^[\w-]{1,64}$/.test(roomId)) {
    const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
    roomId = Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => alphabet[b % alphabet.length]).join('');
    params.set('room', roomId);
    history.replaceState(null, '', `#${params.toString()}`);
  }
  const name = params.get('name')?.slice(0, 40) || `Guest ${1000 + (crypto.getRandomValues(new Uint16Array(1))[0] ?? 0) % 9000}`;
  return { roomId, name, forcePattern: params.get('source') === 'pattern' };
}

function inviteLink(roomId: string): string {
  return `${location.origin}${location.pathname}#room=${encodeURIComponent(roomId)}`;
}

async function copyInvite(roomId: string, btn: HTMLButtonElement): Promise<void> {
  const link = inviteLink(roomId);
  try {
    await navigator.clipboard.writeText(link);
    btn.textContent = 'Link copied ✓';
  } catch {
    // No clipboard permission (e.g. an embedded view): show the link so it can be copied by hand.
    window.prompt('Copy this invite link:', link);
  }
  setTimeout(() => (btn.textContent = 'Copy invite link'), 2000);
}

async function start(): Promise<void> {
  const { roomId, name, forcePattern } = hashParams();
  $('room-id').textContent = roomId;
  $('local-name').textContent = name;
  const copyBtn = $<HTMLButtonElement>('copy-invite');
  copyBtn.onclick = () => void copyInvite(roomId, copyBtn);
  addEventListener('hashchange', () => location.reload());

  if (!window.isSecureContext) {
    say('Open this page over https or on localhost: browsers allow camera and encryption only there (see examples/demo/README.md).', 'error');
    return;
  }
  const config = (await (await fetch('/config.json')).json()) as DemoConfig;
  say('Starting camera…', 'wait');
  const media = await localMedia(name, forcePattern);
  const localVideo = $<HTMLVideoElement>('local-video');
  localVideo.srcObject = media.stream;
  $('local').dataset.source = media.source;
  $('local-source').textContent = media.source === 'camera' ? 'Camera and microphone' : 'Test pattern (no camera access)';

  say('Connecting to the relay…', 'wait');
  const relayUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${config.relayPath}`;
  const signaling = await WebSocketSignaling.connect({ url: relayUrl, roomId });
  signaling.on('state', (s) => {
    if (s === 'reconnecting') say('Connection to the relay lost — reconnecting…', 'wait');
    if (s === 'open') say(`In the call as ${name}.`, 'ok');
  });
  // Closed without our close() (reason set): the relay is gone for good, e.g. the demo was stopped.
  signaling.on('closed', (reason) => {
    if (reason) say(`Disconnected from the relay (${reason.code}). Reload the page to join again once it is back.`, 'error');
  });

  const room = await joinRoom({
    roomId,
    identity: createIdentity({ displayName: name }),
    signaling,
    localStream: media.stream,
    iceServers: config.iceServers,
  });
  say(`In the call as ${name}. Share the invite link to bring someone in.`, 'ok');
  wire(room, signaling, media);
}

function wire(room: Room, signaling: WebSocketSignaling, media: LocalMedia): void {
  const code = $('call-code');
  code.textContent = room.callCode || '—';
  room.on('call-code', (c) => (code.textContent = c));
  room.on('participant-joined', (p) => tiles.show(p));
  room.on('e2ee-state', (p) => tiles.show(p));
  room.on('participant-left', (p) => tiles.remove(p.id));
  room.on('track', (_track, stream, p) => tiles.attach(p, stream));
  room.on('error', (e) => say(`Problem: ${e.code}`, 'error'));
  for (const p of room.participants.values()) tiles.show(p);

  const poll = setInterval(() => {
    room.getE2EEStats().then(
      (s) => {
        code.textContent = room.callCode || '—';
        for (const [id, p] of s.participants) tiles.counters(id, p.videoFrames + p.audioFrames, p.framesFailed);
      },
      () => clearInterval(poll),
    );
  }, 1000);

  let leaving: Promise<void> | undefined;
  const leave = (): Promise<void> =>
    (leaving ??= (async () => {
      clearInterval(poll);
      leaveBtn.disabled = true;
      await room.leave();
      signaling.close();
      media.stop();
      tiles.clear();
      document.querySelector('main')?.setAttribute('hidden', '');
      $('left-screen').hidden = false;
      say('You left the call.', 'info');
    })());
  leaveBtn.disabled = false;
  leaveBtn.onclick = () => void leave();
  $<HTMLButtonElement>('rejoin').onclick = () => location.reload();
  addEventListener('pagehide', () => void leave());
}

start().catch((e: unknown) => {
  const code = e instanceof Error && 'code' in e ? String(e.code) : e instanceof Error ? e.name : 'error';
  const hint: Record<string, string> = {
    'e2ee-unsupported': 'This browser cannot encrypt video end to end. Try a current Chrome, Edge or Firefox.',
    'relay-unreachable': 'The relay is not reachable. Is `npm run demo` still running?',
    'room-full': 'This room is full.',
  };
  say(`Could not join: ${hint[code] ?? code}`, 'error');
});
