/**
 * Shared set-up of the hipaa-* room tests: real `GroupKeySession`s over `MemorySignalingHub`,
 * the fake WebRTC backend, an app-server authority that grants room roles, and a controller
 * that installs every media key into a real SFrame context (so tests can check decryption, not
 * only events). `keepAll` makes a controller that never forgets a key: a hostile member that
 * ignores every command and keeps everything it was ever given.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { SealError } from '../../src/errors.js';
import { createIdentity, GroupKeySession, sframeContextSink, type Identity } from '../../src/keys/index.js';
import { grantRoomRole, packSafeguard, type RoomRole } from '../../src/room/host.js';
import { joinRoomWith, type RoomKeySink } from '../../src/room/join.js';
import type { Room } from '../../src/room/room.js';
import type { JoinRoomOptions } from '../../src/room/types.js';
import { SFrameContext } from '../../src/sframe/index.js';
import { MemorySignalingHub } from '../../src/testing/index.js';
import { FakeController, FakeRtcLog, fakeFactory, fakeStream, fakeTrack } from './fakes.js';

export const ROOM = 'visit-4711';
const authoritySecret = ed25519.utils.randomSecretKey();
/** The app server's public key every member is configured with. */
export const authorityKey = ed25519.getPublicKey(authoritySecret);

/** A controller whose keys land in a real SFrame context. */
export class CryptoController extends FakeController implements RoomKeySink {
  readonly ctx = new SFrameContext();
  readonly sink = sframeContextSink(this.ctx);
  /** KID → participant of every receive key currently held. */
  readonly receive = new Map<bigint, string>();
  constructor(readonly keepAll = false) {
    super();
  }
  setSendKey(kid: bigint, key: Uint8Array): void {
    this.sink.setSendKey(kid, key);
  }
  addReceiveKey(participantId: string, kid: bigint, key: Uint8Array): void {
    this.receive.set(kid, participantId);
    this.sink.addReceiveKey(participantId, kid, key);
  }
  removeKey(kid: bigint): void {
    if (this.keepAll) return;
    this.receive.delete(kid);
    this.sink.removeKey(kid);
  }
  get sendKid(): bigint | undefined {
    return this.sink.sendKid;
  }
  kidsOf(id: string): bigint[] {
    return [...this.receive].filter(([, p]) => p === id).map(([k]) => k);
  }
}

export interface Party {
  id: string;
  identity: Identity;
  room: Room;
  session: GroupKeySession;
  controller: CryptoController;
  errors: SealError[];
  /** Everything this party's room handed to `sendToPeer` (inside the pairwise channel). */
  sent: { to: string; data: Uint8Array }[];
}

export type PartyOptions = Partial<JoinRoomOptions<Identity>> & { role?: RoomRole; keepAll?: boolean; grantFor?: RoomRole };

/** Join `id` to the room (lobby admission, authority configured) with a role grant when asked. */
export async function party(hub: MemorySignalingHub, log: FakeRtcLog, id: string, opts: PartyOptions = {}): Promise<Party> {
  const identity = createIdentity({ displayName: id });
  const role = opts.role ?? 'participant';
  const grantRole = opts.grantFor ?? role;
  const roleGrant = grantRole !== 'participant' ? grantRoomRole(ROOM, identity.publicKey, grantRole, authoritySecret) : undefined;
  const controller = new CryptoController(opts.keepAll);
  const sent: Party['sent'] = [];
  let session: GroupKeySession | undefined;
  const { keepAll: _k, grantFor: _g, ...join } = opts;
  const room = await joinRoomWith(
    {
      roomId: ROOM, identity, signaling: hub.connect(id), localStream: fakeStream(fakeTrack('video', `${id}-cam`)),
      hostAuthorityKey: authorityKey, admission: 'lobby', ...(roleGrant ? { roleGrant } : {}), ...join, role,
    },
    {
      createController: async () => controller,
      createSession: (o) => {
        const s = new GroupKeySession({ ...o, rekeyIntervalMs: 0 });
        const send = s.sendToPeer.bind(s);
        s.sendToPeer = (to, data) => {
          sent.push({ to, data: data.slice() });
          send(to, data);
        };
        session = s;
        return s;
      },
      peerFactory: fakeFactory(id, log),
    },
  );
  const errors: SealError[] = [];
  room.on('error', (e) => errors.push(e));
  return { id, identity, room, session: session!, controller, errors, sent };
}

export function world(): { hub: MemorySignalingHub; log: FakeRtcLog } {
  return { hub: new MemorySignalingHub(), log: new FakeRtcLog() };
}

/** Seal one frame with `from`'s current send key. */
export async function frameFrom(from: { controller: CryptoController }, text = 'frame'): Promise<Uint8Array> {
  await from.controller.sink.flush();
  return from.controller.ctx.encrypt(from.controller.sendKid!, new Uint8Array(0), new TextEncoder().encode(text));
}

/**
 * A hostile member: a bare key session with no room logic, so it obeys no host command. It
 * knocks like a joiner, and its key sink never forgets a key.
 */
export async function hostile(hub: MemorySignalingHub, id: string): Promise<{ id: string; session: GroupKeySession; controller: CryptoController }> {
  const controller = new CryptoController(true);
  const session = new GroupKeySession({ roomId: ROOM, identity: createIdentity({ displayName: id }), signaling: hub.connect(id), keySink: controller, rekeyIntervalMs: 0 });
  session.on('peer-joined', (p) => session.sendToPeer(p.id, packSafeguard('knock')));
  await session.start();
  return { id, session, controller };
}

/** Try to open a frame with `who`'s keys: the plaintext, or the error code. */
export async function openWith(who: { controller: CryptoController }, frame: Uint8Array): Promise<string> {
  await who.controller.sink.flush();
  try {
    const r = await who.controller.ctx.decrypt(new Uint8Array(0), frame);
    return new TextDecoder().decode(r.plaintext);
  } catch (e) {
    return `error:${(e as { code?: string }).code}`;
  }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
