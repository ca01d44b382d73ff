/**
 * The HIPAA safeguards composed around one room: it sits between the key session and the
 * {@link Room}, so the room's media mesh only ever sees members this device keys (the lobby
 * gate), and it owns the audit log, automatic log-off, decryption-failure bursts, access
 * control ({@link Access}) and chat/files ({@link RoomData}).
 *
 * ```
 *  GroupKeySession ──events──► Safeguards ──(members only)──► view ──► Room ──► Mesh
 *        ▲  holdKeys/releaseKeys/removePeer │ audit, log-off, commands, chat, files
 *        └──────────────────────────────────┘
 * ```
 *
 * @module
 */
import { SealError } from '../errors.js';
import { TypedEmitter } from '../events.js';
import { Access, type GuardedSession } from './access.js';
import { AuditLog, FailureBurstDetector, type AuditDetails, type AuditEventType } from './audit/index.js';
import { ChatError, ChatKeyring } from './chat/index.js';
import { RoomData } from './data.js';
import { DataLinks } from './datalinks.js';
import { AccessError, unpackSafeguard, type RoomRole } from './host.js';
import { AutoLogoff } from './logoff/index.js';
import type { RoomKeySink } from './join.js';
import type { SafeguardEvents, SafeguardJoinOptions } from './safeguard-types.js';
import type { RoomEvents, RoomKeySession, RoomMediaController, SessionEvents, SessionPeer } from './types.js';

/** Everything {@link Safeguards} is built from. */
export interface SafeguardsInit {
  roomId: string;
  /** This device's id in the room (the signaling id the key session will use). */
  localId: string;
  identity: { readonly publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array };
  options: SafeguardJoinOptions;
  /** The media key sink (the controller); chat keys are teed off it. */
  inner: RoomKeySink;
  events: TypedEmitter<RoomEvents>;
}

/** The session view the Room gets: only members this device keys. */
class MemberView implements RoomKeySession {
  readonly events = new TypedEmitter<SessionEvents>();
  readonly shown = new Set<string>();
  constructor(readonly sg: Safeguards) {}
  get localId(): string { return this.sg.session.localId; }
  get epoch(): number { return this.sg.session.epoch; }
  get callCode(): string { return this.sg.session.callCode; }
  get peers(): ReadonlyMap<string, SessionPeer> {
    return new Map([...this.sg.session.peers].filter(([id]) => this.shown.has(id)));
  }
  start(): Promise<void> { return this.sg.start(); }
  sendToPeer(peerId: string, data: Uint8Array): void { this.sg.session.sendToPeer(peerId, data); }
  close(): Promise<void> { return this.sg.close(); }
  on<K extends keyof SessionEvents & string>(event: K, listener: (...args: SessionEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }
}

/**
 * One participant's safeguards. Built by `joinRoomWith`; apps use them through the Room.
 *
 * @throws AccessError `'bad-role-grant'` from the constructor when `role` is not backed by a grant.
 * @example
 * ```ts
 * const sg = new Safeguards({ roomId, identity, options, inner: controller, events });
 * const session = new GroupKeySession({ roomId, identity, signaling, keySink: sg.keySink, holdKeys: sg.holdKeys });
 * sg.attach(session);
 * ```
 */
export class Safeguards {
  readonly audit: AuditLog;
  readonly keySink: ChatKeyring;
  readonly access: Access;
  readonly data: RoomData;
  /** The data channel transport the Room's mesh feeds (chat and files travel only here). */
  readonly links: DataLinks;
  readonly view = new MemberView(this);
  readonly #init: SafeguardsInit;
  readonly #logoff: AutoLogoff;
  readonly #bursts: FailureBurstDetector;
  readonly #failed = new Map<string, number>();
  readonly #offs: (() => void)[] = [];
  #session: GuardedSession | undefined;
  #controller: RoomMediaController | null = null;
  #queue: Promise<void> = Promise.resolve();
  #poll: ReturnType<typeof setInterval> | undefined;
  #room: { leave(): Promise<void> } | undefined;
  #leaveReason: 'user' | 'ended' | 'error' | 'logged-off' = 'user';
  #closing: Promise<void> | undefined;

  constructor(init: SafeguardsInit) {
    this.#init = init;
    const o = init.options;
    const clock = o.clock;
    const now = clock ? () => clock.now() : Date.now;
    this.audit = new AuditLog({ signer: init.identity, ...(o.auditSink ? { sink: o.auditSink } : {}), now });
    this.audit.on('error', (e) => this.#error(e));
    this.keySink = new ChatKeyring({
      senderId: init.localId, signer: init.identity, inner: init.inner,
      identityKeyOf: (p) => this.#session?.peers.get(p)?.identityKey, onError: (e) => this.#error(e),
    });
    const sg = this;
    this.access = new Access({
      roomId: init.roomId, identity: init.identity, options: o, now,
      get session() { return sg.session; },
      audit: (t, d) => this.#audit(t, d), emit: (e, ...a) => this.#emit(e, ...a), error: (e) => this.#error(e),
      show: (id) => this.#show(id), hide: (id) => this.#hide(id), leave: (r) => this.#leave(r),
    });
    this.links = new DataLinks({ ...o.dataChannel, onData: (from, bytes) => this.#onData(from, bytes) });
    this.data = new RoomData({
      send: (id, frame) => this.links.send(id, frame), ring: this.keySink, recipients: () => [...this.view.shown],
      audit: (t, d) => this.#audit(t, d), emit: (e, ...a) => this.#emit(e, ...a), error: (e) => this.#error(e),
    });
    this.#logoff = new AutoLogoff({
      ...(o.idleTimeoutMs ? { idleTimeoutMs: o.idleTimeoutMs } : {}), ...(o.maxDurationMs ? { maxDurationMs: o.maxDurationMs } : {}),
      ...(o.logoffWarningMs !== undefined ? { warnBeforeMs: o.logoffWarningMs } : {}), ...(clock ? { clock } : {}),
    });
    this.#logoff.on('warning', (w) => this.#emit('logoff-warning', w));
    this.#logoff.on('expired', ({ reason }) => {
      this.#audit('logged-off', { participantId: this.session.localId, reason });
      this.#emit('logged-off', { reason });
      this.#leave('logged-off');
    });
    this.#bursts = new FailureBurstDetector({ now });
  }

  /** The key session's gate (pass as `holdKeys` to `GroupKeySession`). */
  readonly holdKeys = (peer: SessionPeer): boolean => this.access.holdKeys(peer);

  /** The key session (after {@link Safeguards.attach}). */
  get session(): GuardedSession {
    if (!this.#session) throw new AccessError('not-authorized', 'safeguards not attached to a key session');
    return this.#session;
  }

  /** Connect the key session and the media controller (before the room starts). */
  attach(session: GuardedSession, controller: RoomMediaController | null): void {
    this.#session = session;
    this.#controller = controller;
  }

  /** The room to leave on expel, end, denial and log-off. */
  bindRoom(room: { leave(): Promise<void> }): void {
    this.#room = room;
  }

  /** This device's role. */
  get role(): RoomRole {
    return this.access.role;
  }

  /** Report user activity (pushes the idle log-off deadline back). */
  reportActivity(): void {
    this.#logoff.reportActivity();
  }

  /** Record that the user compared a verification string with `participantId` out of band. */
  markVerified(participantId: string, result: 'match' | 'mismatch' = 'match', method: 'safety-number' | 'sas' | 'call-code' = 'safety-number'): void {
    this.#audit('verification-compared', { participantId, method, result });
  }

  /** Read the controller's failure counters and audit any burst (also runs on a timer). */
  async checkFailures(): Promise<void> {
    const stats = await this.#controller?.getStats();
    for (const [id, c] of stats ?? []) {
      if (!id) continue;
      const total = c.framesFailed ?? 0;
      const delta = Math.min(total - (this.#failed.get(id) ?? 0), 10_000);
      this.#failed.set(id, total);
      for (let i = 0; i < delta; i++) {
        const burst = this.#bursts.record(id);
        if (burst) this.#audit('decryption-failure-burst', burst);
      }
    }
  }

  /** Start: audit the join, subscribe, start log-off and the key session. */
  async start(): Promise<void> {
    const s = this.session;
    const controller = this.#controller;
    this.#audit('joined', { participantId: s.localId, role: this.access.role });
    const wide = s as unknown as { on(e: 'identity-changed', l: (c: { peerId: string }) => void): () => void };
    this.#offs.push(
      s.on('peer-joined', (p) => {
        this.#audit('joined', { participantId: p.id });
        this.access.onPeerJoined(p);
      }),
      s.on('peer-left', (p) => {
        this.#audit('left', { participantId: p.id });
        this.access.onPeerLeft(p);
        this.data.forget(p.id);
        this.#bursts.forget(p.id);
      }),
      s.on('peer-message', (id, bytes) => this.#onMessage(id, bytes)),
      s.on('epoch', (epoch) => {
        this.#audit('epoch-changed', { participantId: s.localId, epoch });
        this.view.events.emit('epoch', epoch);
      }),
      s.on('call-code', (code) => this.view.events.emit('call-code', code)),
      s.on('error', (e) => this.view.events.emit('error', e)),
      wide.on('identity-changed', (c) => this.#audit('key-change-warning', { participantId: c.peerId })),
    );
    this.#logoff.start();
    const every = this.#init.options.failureCheckMs ?? 2000;
    if (controller && every > 0) {
      this.#poll = setInterval(() => void this.checkFailures().catch((e: unknown) => this.#error(e)), every);
      (this.#poll as { unref?: () => void }).unref?.();
    }
    await s.start();
  }

  /** Leave-time teardown (the Room calls it through the view's `close`). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#logoff.stop();
      if (this.#poll) clearInterval(this.#poll);
      for (const off of this.#offs.splice(0)) off();
      if (this.#session) this.#audit('left', { participantId: this.#session.localId, reason: this.#leaveReason });
      this.data.close();
      this.links.close();
      await this.access.close();
      await this.#session?.close();
      this.keySink.close();
      await this.audit.flush();
    })();
    return this.#closing;
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  #onMessage(from: string, bytes: Uint8Array): void {
    let m: ReturnType<typeof unpackSafeguard>;
    try {
      m = unpackSafeguard(bytes);
    } catch (error) {
      return this.#error(error);
    }
    if (!m) {
      if (this.view.shown.has(from)) this.view.events.emit('peer-message', from, bytes);
      return; // signal data from a non-member: its mesh connection is never opened
    }
    const { kind, body } = m;
    const copy = new Uint8Array(body);
    this.#queue = this.#queue.then(async () => {
      switch (kind) {
        case 'role': return this.access.onRole(from, copy);
        case 'knock': return this.access.onKnock(from);
        case 'passcode': return this.access.onPasscode(from, copy);
        case 'command': return this.access.onCommand(from, copy);
        case 'chat':
        case 'file': // never through the relay: only a member's data channel carries them
          throw new ChatError('wrong-sender', 'chat or file data arrived through the relay, not a data channel');
        default: {
          const never: never = kind;
          throw new AccessError('bad-command', `unknown kind ${String(never)}`);
        }
      }
    }).catch((e: unknown) => this.#error(e));
  }

  /** A message on `from`'s data channel: chat and files only, from members this device keys. */
  #onData(from: string, bytes: Uint8Array): void {
    let m: ReturnType<typeof unpackSafeguard>;
    try {
      m = unpackSafeguard(bytes);
    } catch (error) {
      return this.#error(error);
    }
    if (!m || (m.kind !== 'chat' && m.kind !== 'file')) {
      return this.#error(new ChatError('malformed-message', 'a data channel message that is not chat or a file'));
    }
    if (!this.view.shown.has(from)) return; // a connection outlives membership by a moment: drop
    this.data.receive(from, m.kind, new Uint8Array(m.body));
  }

  #show(id: string): void {
    const p = this.#session?.peers.get(id);
    if (!p || this.view.shown.has(id)) return;
    this.view.shown.add(id);
    this.view.events.emit('peer-joined', p);
  }

  #hide(id: string): void {
    if (!this.view.shown.delete(id)) return;
    const p = this.#session?.peers.get(id);
    this.view.events.emit('peer-left', p ?? { id, identityKey: new Uint8Array(32), safetyNumber: '', sas: '' });
  }

  #leave(reason: 'ended' | 'error' | 'logged-off'): void {
    this.#leaveReason = reason;
    void (this.#room ? this.#room.leave() : this.close()).catch((e: unknown) => this.#error(e));
  }

  #audit<T extends AuditEventType>(type: T, details: AuditDetails<T>): void {
    void this.audit.append(type, details).catch((e: unknown) => this.#error(e));
  }

  #emit<K extends keyof SafeguardEvents & string>(event: K, ...args: SafeguardEvents[K]): void {
    if (this.#closing && event !== 'logged-off') return;
    this.#init.events.emit(event, ...(args as RoomEvents[K]));
  }

  #error(error: unknown): void {
    const e = error instanceof SealError ? error : new AccessError('bad-command', 'a safeguard step failed', { cause: error });
    this.#init.events.emit('error', e);
  }
}
