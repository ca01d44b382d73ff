/**
 * Browser page for sealrtc's safeguard tests (issue #6): joins a lobby room through the test's
 * WebSocket bridge with an app-server role grant, sends a distinctive canvas pattern, and exposes
 * `window.sealHipaa` so the Node test can admit, expel, chat, send files and compare pictures.
 */
import { grantRoomRole, joinRoom, type Room } from '../../src/index.js';
import { createIdentity } from '../../src/keys/index.js';
import { bridgeSignaling } from './harness/bridge.js';
import { greyDifference, showVideo } from './harness/picture.js';

const W = 320;
const H = 240;

function draw(ctx: CanvasRenderingContext2D, seed: number, tick: number): void {
  ctx.fillStyle = `hsl(${(seed * 97) % 360} 70% 45%)`;
  ctx.fillRect(0, 0, W, H);
  for (let i = 0; i < 6; i++) {
    const level = ((i * 3 + seed * 5) % 6) * 50;
    ctx.fillStyle = `rgb(${level} ${level} ${level})`;
    ctx.fillRect(i * 54, 0, 27, i % 2 ? 150 : 100);
  }
  ctx.fillStyle = seed % 2 ? '#fff' : '#000';
  ctx.beginPath();
  ctx.arc(60 + ((seed * 53) % 200), 180, 45, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = tick % 2 ? '#f00' : '#00f';
  ctx.fillRect(W - 12, H - 12, 8, 8);
}

/** Senders whose relayed messages this page ignores (a member that never hears a host command). */
const deaf = new Set<string>();

const fromHex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

/** The test file's bytes: deterministic, so the receiver can check them byte for byte. */
function fileBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface StartOptions {
  id: string;
  wsUrl: string;
  seed: number;
  authority: string;
  /** Host only: the app server's secret, so the page can mint its own grant (test only). */
  authoritySecret?: string;
}

let room: Room | undefined;
const videos = new Map<string, { el: HTMLVideoElement; frames: number }>();
const events: string[] = [];
const chats: { from: string; text: string }[] = [];
const files: { from: string; name: string; size: number; bytes: Uint8Array }[] = [];

const api = {
  async start(o: StartOptions): Promise<void> {
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    document.body.append(canvas);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    let tick = 0;
    draw(ctx, o.seed, tick);
    setInterval(() => draw(ctx, o.seed, ++tick), 50);
    const identity = createIdentity({ displayName: o.id });
    const host = o.authoritySecret !== undefined;
    room = await joinRoom({
      roomId: 'sealrtc-hipaa-room',
      identity,
      signaling: await bridgeSignaling(o.wsUrl, o.id, (from) => deaf.has(from)),
      localStream: canvas.captureStream(20),
      hostAuthorityKey: fromHex(o.authority),
      admission: 'lobby',
      failureCheckMs: 0,
      ...(host ? { role: 'host' as const, roleGrant: grantRoomRole('sealrtc-hipaa-room', identity.publicKey, 'host', fromHex(o.authoritySecret ?? '')) } : {}),
    });
    const r = room;
    r.on('participant-joined', (p) => events.push(`joined:${p.id}`));
    r.on('participant-left', (p) => events.push(`left:${p.id}`));
    r.on('admission-request', (q) => events.push(`request:${q.id}`));
    r.on('admitted', () => events.push('admitted'));
    r.on('expelled', () => events.push('expelled'));
    r.on('participant-expelled', (id) => events.push(`expelled:${id}`));
    r.on('error', (e) => events.push(`error:${e.code}`));
    r.on('chat', (m) => chats.push({ from: m.from, text: m.text }));
    r.on('file', (f) => files.push({ from: f.from, name: f.name, size: f.size, bytes: f.bytes }));
    r.on('track', (track, stream, p) => {
      if (track.kind !== 'video') return;
      videos.set(p.id, showVideo(stream));
    });
  },
  state() {
    if (!room) throw new Error('not joined');
    return {
      left: room.left,
      epoch: room.epoch,
      lobby: [...room.lobby.keys()],
      participants: [...room.participants.keys()],
      events: [...events],
      chats: [...chats],
      /** Per sender: decoded frames counted, and whether any of its received tracks is still live. */
      video: Object.fromEntries([...videos].map(([id, v]) => [id, {
        frames: v.frames,
        live: (v.el.srcObject as MediaStream | null)?.getTracks().some((t) => t.readyState === 'live') ?? false,
      }])),
    };
  },
  async stats(): Promise<Record<string, { framesDecrypted: number; framesFailed: number }>> {
    if (!room) throw new Error('not joined');
    const s = await room.getE2EEStats();
    return Object.fromEntries([...s.participants].map(([id, p]) => [id, { framesDecrypted: p.framesDecrypted, framesFailed: p.framesFailed }]));
  },
  /** Mean absolute grey difference (64×48) between `id`'s video and pattern `seed`. */
  picture(id: string, seed: number): { frames: number; diff: number } {
    const v = videos.get(id);
    if (!v || v.el.videoWidth === 0) return { frames: v?.frames ?? 0, diff: 255 };
    const ref = document.createElement('canvas');
    ref.width = W;
    ref.height = H;
    const ctx = ref.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    draw(ctx, seed, 0);
    return { frames: v.frames, diff: greyDifference(v.el, ref) };
  },
  /** From now on ignore everything `id` relays (so this member never learns it was expelled). */
  deafen(id: string): void {
    deaf.add(id);
  },
  /** This device's current send KID (decimal). */
  async sendKid(): Promise<string | undefined> {
    return (await room?.getE2EEStats())?.sendKid?.toString();
  },
  /** KIDs of the frames this device decrypted from each member. */
  async kids(): Promise<Record<string, string[]>> {
    const s = await room?.getE2EEStats();
    return Object.fromEntries([...(s?.participants ?? [])].map(([id, p]) => [id, p.kids.map(String)]));
  },
  admit: (id: string) => room?.admit(id),
  expel: (id: string) => room?.expel(id),
  sendChat: (text: string) => room?.sendChat(text),
  sendFile: (size: number, seed: number, name: string) => room?.sendFile(fileBytes(size, seed), { name, mimeType: 'application/octet-stream' }),
  /** Received files, each checked byte for byte against the bytes the sender made. */
  files(seed: number) {
    return files.map((f) => {
      const want = fileBytes(f.size, seed);
      return { from: f.from, name: f.name, size: f.size, intact: f.bytes.length === want.length && f.bytes.every((b, i) => b === want[i]) };
    });
  },
  leave: () => room?.leave(),
};

declare global {
  interface Window {
    sealHipaa: typeof api;
  }
}
window.sealHipaa = api;
