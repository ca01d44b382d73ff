/**
 * Access control on each member's own device: roles, the lobby, the passcode check, lock,
 * expel, end-for-all and host succession. Enforcement is the key gate: this member sends its
 * media key to a peer only when {@link Access.canKey} says so, and hides every other peer from
 * the media mesh. A relay can drop or delay safeguard messages, never forge them: commands are
 * signed ({@link HostAuthority}) and travel inside the pairwise channels.
 *
 * Keying rule (lobby rooms): key peer P ⇔ this device is admitted (or holds a host role) and
 * P holds a verified host role or was admitted by a host command this device accepted (naming
 * P's id and identity key). Open rooms key every authenticated peer unless the room is locked.
 * Expelled identities are never keyed again in this call.
 *
 * @module
 */
import type { AccessHooks } from './access-types.js';
import { AccessError, HostAuthority, keyHex, openCommand, packSafeguard, signCommand, type AccessErrorCode, type HostCommand, type HostCommandOp, type RoomRole } from './host.js';
import { decodeRole, encodeDelegation, encodeRole, verifyDelegation, verifyRoomRole, type Delegation } from './host.js';
import { PasscodeVerifier, answerPasscodeChallenge, readPasscodeResult } from './passcode/index.js';
import type { AdmissionRequest } from './safeguard-types.js';
import type { SessionPeer } from './types.js';

export type { AccessHooks, GuardedSession } from './access-types.js';

/**
 * One member's access-control state.
 *
 * @throws AccessError from the host-only methods (`'not-authorized'`, `'not-in-lobby'`, `'room-locked'`).
 * @example
 * ```ts
 * const access = new Access(hooks);          // built by the room
 * room.on('admission-request', (r) => access.admit(r.id));
 * ```
 */
export class Access {
  readonly #h: AccessHooks;
  readonly auth: HostAuthority;
  readonly lobby: boolean;
  role: RoomRole;
  locked = false;
  #selfAdmitted: boolean;
  readonly #admitted = new Map<string, string>(); // id → identity key hex (members a host admitted)
  readonly #pendingAdmit = new Map<string, string>(); // admitted before we authenticated them
  readonly #expelled = new Set<string>(); // identity key hex
  readonly #released = new Set<string>();
  readonly #waiting = new Map<string, AdmissionRequest>();
  #verifier: Promise<PasscodeVerifier> | undefined;
  readonly #grants = new Map<string, Uint8Array>(); // server host grants peers showed us
  #delegation: Delegation | undefined; // how this device got a role by command

  constructor(hooks: AccessHooks) {
    this.#h = hooks;
    this.auth = new HostAuthority(hooks.roomId, hooks.now);
    const o = hooks.options;
    this.lobby = o.admission === 'lobby';
    this.role = o.role ?? 'participant';
    if (this.role !== 'participant') {
      if (!o.hostAuthorityKey || !o.roleGrant || !verifyRoomRole(o.roleGrant, hooks.roomId, hooks.identity.publicKey, this.role, o.hostAuthorityKey))
        throw new AccessError('bad-role-grant', `role '${this.role}' needs a roleGrant that verifies under hostAuthorityKey`);
    }
    this.#selfAdmitted = !this.lobby || this.isHost();
  }

  /** True when this device holds the host or co-host role. */
  isHost(): boolean {
    return this.role !== 'participant';
  }

  /** Joiners waiting for admission (host view). */
  get waiting(): ReadonlyMap<string, AdmissionRequest> {
    return this.#waiting;
  }

  /** The key session's gate: hold keys from every newly authenticated peer unless keying is certain. */
  holdKeys = (peer: SessionPeer): boolean => this.lobby || this.locked || this.#expelled.has(keyHex(peer.identityKey));

  /** Whether this member sends its media keys to `id` (see the module comment). */
  canKey(id: string): boolean {
    const p = this.#h.session.peers.get(id);
    if (!p || this.#expelled.has(keyHex(p.identityKey))) return false;
    if (!this.lobby) return !this.locked || this.#released.has(id);
    return this.#selfAdmitted && (this.auth.roles.has(id) || this.#admitted.get(id) === keyHex(p.identityKey));
  }

  // ── session events ──────────────────────────────────────────────────────────────────────

  onPeerJoined(p: SessionPeer): void {
    const h = this.#h;
    if (this.#expelled.has(keyHex(p.identityKey))) return void h.session.removePeer?.(p.id);
    if (!this.holdKeys(p)) this.#released.add(p.id);
    const grant = h.options.roleGrant;
    if (this.#delegation) this.#send(p.id, packSafeguard('role', encodeDelegation(this.#delegation)));
    else if (this.role !== 'participant' && grant) this.#send(p.id, packSafeguard('role', encodeRole(this.role, grant)));
    const pending = this.#pendingAdmit.get(p.id);
    if (pending === keyHex(p.identityKey)) this.#admitted.set(p.id, pending);
    this.#pendingAdmit.delete(p.id);
    if (this.lobby && !this.#selfAdmitted) this.#send(p.id, packSafeguard('knock'));
    this.evaluate(p.id);
  }

  onPeerLeft(p: SessionPeer): void {
    this.#released.delete(p.id);
    this.#admitted.delete(p.id);
    this.#waiting.delete(p.id);
    const role = this.auth.roles.get(p.id);
    this.auth.roles.delete(p.id);
    this.#h.hide(p.id);
    if (role === 'host') this.#succession();
  }

  /** Release keys to / show `id` when the keying rule now allows it. */
  evaluate(id: string): void {
    if (!this.canKey(id)) return;
    if (!this.#released.has(id)) {
      this.#released.add(id);
      void this.#h.session.releaseKeys?.(id);
    }
    this.#h.show(id);
  }

  async onRole(from: string, body: Uint8Array): Promise<void> {
    const peer = this.#h.session.peers.get(from);
    const r = decodeRole(body);
    const key = this.#h.options.hostAuthorityKey;
    const ok = peer && key && ('grant' in r
      ? verifyRoomRole(r.grant, this.#h.roomId, peer.identityKey, r.role, key)
      : verifyDelegation(r, this.#h.roomId, from, peer.identityKey, key));
    if (!ok) throw new AccessError('bad-role-grant', 'a role grant did not verify');
    if ('grant' in r && r.role === 'host') this.#grants.set(from, r.grant);
    this.#setRole(from, r.role);
    // A host or co-host who arrives late learns from us whom we admitted (only it gets this).
    if (this.isHost() && this.lobby) await this.#command('admit', from, this.#roster(), '', true);
  }

  async onKnock(from: string): Promise<void> {
    const peer = this.#h.session.peers.get(from);
    if (!this.isHost() || !this.lobby || !peer || this.#waiting.has(from) || this.canKey(from)) return;
    if (this.locked) return this.#command('deny', from, [], 'locked');
    if (!this.#h.options.passcode) return this.#request(peer, false);
    const verifier = await this.#passcodeVerifier();
    this.#send(from, packSafeguard('passcode', verifier.challenge(keyHex(peer.identityKey))));
  }

  async onPasscode(from: string, body: Uint8Array): Promise<void> {
    const h = this.#h;
    const peer = h.session.peers.get(from);
    if (!peer) return;
    const binding = new TextEncoder().encode(peer.safetyNumber);
    if (body[0] === 1) {
      if (!this.auth.roles.has(from)) throw new AccessError('not-authorized', 'passcode challenge from a participant without a host role');
      const reply = await answerPasscodeChallenge({ roomId: h.roomId, passcode: h.options.passcode, challenge: body, binding });
      return this.#send(from, packSafeguard('passcode', reply));
    }
    if (body[0] === 3) {
      try {
        readPasscodeResult(body);
      } catch (error) {
        const code = (error as { code?: string }).code === 'rate-limited' ? 'rate-limited' : 'passcode-wrong';
        h.error(new AccessError(code, 'the host refused this device\'s passcode', { cause: error }));
      }
      return;
    }
    if (!this.isHost() || !this.#verifier) return;
    const verdict = await (await this.#verifier).verify(keyHex(peer.identityKey), body, binding);
    const result = verdict.accepted ? 'accepted' : verdict.error.code === 'rate-limited' ? 'rate-limited' : 'wrong';
    h.audit('passcode-attempt', { participantId: from, result });
    this.#send(from, packSafeguard('passcode', verdict.reply));
    if (verdict.accepted) this.#request(peer, true);
    else await this.#command('deny', from, [], 'passcode-wrong');
  }

  onCommand(from: string, body: Uint8Array): void {
    const peer = this.#h.session.peers.get(from);
    if (!peer) return;
    let op: HostCommandOp | undefined;
    try {
      const cmd = openCommand(body, peer.identityKey);
      op = cmd.op;
      this.auth.authorize(from, peer.identityKey, cmd);
      const grant = this.#grants.get(from);
      if ((cmd.op === 'hand-over' || cmd.op === 'co-host') && cmd.target === this.#h.session.localId && grant) {
        const role = cmd.op === 'hand-over' ? 'host' : 'co-host';
        this.#delegation = { role, issuerKey: new Uint8Array(peer.identityKey), issuerGrant: grant, command: new Uint8Array(body) };
      }
      this.#apply(cmd, from);
    } catch (e) {
      // A refused command is a security event of its own (45 CFR 164.312(b)): who tried what, and why
      // it was refused — never the command's content.
      if (e instanceof AccessError && isRejection(e.code)) this.#h.audit('command-rejected', { participantId: from, reason: e.code, ...(op ? { op } : {}) });
      throw e;
    }
  }

  // ── host actions ────────────────────────────────────────────────────────────────────────

  /** Host: admit a waiting joiner. @throws AccessError `'not-authorized'`, `'not-in-lobby'`, `'room-locked'` */
  async admit(id: string): Promise<void> {
    this.#requireHost();
    if (!this.#waiting.has(id)) throw new AccessError('not-in-lobby', 'that participant is not waiting for admission');
    if (this.locked) throw new AccessError('room-locked', 'the room is locked');
    await this.#command('admit', id, this.#roster());
  }

  /** `id:keyHex` of every member this device knows is admitted or holds a role, itself included. */
  #roster(): string[] {
    const roster = [...this.#admitted].map(([pid, k]) => `${pid}:${k}`);
    for (const [pid] of this.auth.roles) roster.push(`${pid}:${keyHex(this.#h.session.peers.get(pid)?.identityKey ?? new Uint8Array())}`);
    roster.push(`${this.#h.session.localId}:${keyHex(this.#h.identity.publicKey)}`);
    return roster;
  }

  /** Host: refuse a waiting joiner. @throws AccessError `'not-authorized'`, `'not-in-lobby'` */
  async deny(id: string): Promise<void> {
    this.#requireHost();
    if (!this.#waiting.has(id)) throw new AccessError('not-in-lobby', 'that participant is not waiting for admission');
    await this.#command('deny', id, [], 'host-denied');
  }

  /** Host: cut a participant off; every remaining sender re-keys. @throws AccessError `'not-authorized'`, `'not-in-lobby'` */
  async expel(id: string): Promise<void> {
    this.#requireHost();
    if (!this.#h.session.peers.has(id)) throw new AccessError('not-in-lobby', 'that participant is not present');
    await this.#command('expel', id, []);
  }

  /** Host: lock/unlock/end, make co-host, hand over. @throws AccessError `'not-authorized'` */
  async broadcast(op: 'lock' | 'unlock' | 'end' | 'co-host' | 'hand-over', target = ''): Promise<void> {
    this.#requireHost(op === 'lock' || op === 'unlock' ? 'co-host' : 'host');
    if (target && !this.#h.session.peers.has(target)) throw new AccessError('not-in-lobby', 'that participant is not present');
    await this.#command(op, target, []);
  }

  /** Zero the passcode verifier's key. */
  async close(): Promise<void> {
    const v = this.#verifier;
    this.#verifier = undefined;
    if (v) (await v.catch(() => undefined))?.close();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  #requireHost(min: 'co-host' | 'host' = 'co-host'): void {
    if (!this.isHost() || (min === 'host' && this.role !== 'host')) throw new AccessError('not-authorized', `only a ${min} may do that`);
  }

  #request(peer: SessionPeer, passcodeVerified: boolean): void {
    const r: AdmissionRequest = {
      id: peer.id, displayName: peer.displayName, identityKey: new Uint8Array(peer.identityKey),
      safetyNumber: peer.safetyNumber, sas: peer.sas, passcodeVerified,
    };
    this.#waiting.set(peer.id, r);
    this.#h.emit('admission-request', r);
  }

  async #passcodeVerifier(): Promise<PasscodeVerifier> {
    const o = this.#h.options;
    this.#verifier ??= PasscodeVerifier.create({ roomId: this.#h.roomId, passcode: o.passcode ?? '', ...(o.passcodeParams ? { params: o.passcodeParams } : {}), now: this.#h.now });
    return this.#verifier;
  }

  async #command(op: HostCommandOp, target: string, roster: string[], reason: HostCommand['reason'] = '', onlyTarget = false): Promise<void> {
    const h = this.#h;
    const targetPeer = target ? h.session.peers.get(target) : undefined;
    const cmd: HostCommand = {
      room: h.roomId, op, issuer: h.session.localId, seq: this.auth.nextSeq(), target,
      targetKey: targetPeer ? keyHex(targetPeer.identityKey) : '', roster, reason,
    };
    const bytes = packSafeguard('command', signCommand(cmd, h.identity));
    // Admit/deny go to the members and the target only; other lobby joiners learn nothing.
    for (const id of h.session.peers.keys()) if (id === target || (!onlyTarget && this.canKey(id))) this.#send(id, bytes);
    this.#apply(cmd, h.session.localId);
  }

  /** Apply an accepted (or own) command. */
  #apply(cmd: HostCommand, by: string): void {
    const h = this.#h;
    const me = h.session.localId;
    const targetPeer = h.session.peers.get(cmd.target);
    if (cmd.target === me ? cmd.targetKey !== keyHex(h.identity.publicKey) : targetPeer && keyHex(targetPeer.identityKey) !== cmd.targetKey)
      throw new AccessError('bad-command', 'host command names the target with another identity key');
    switch (cmd.op) {
      case 'admit':
        if (this.locked && by !== me) throw new AccessError('room-locked', 'admission while the room is locked');
        this.#waiting.delete(cmd.target);
        // A roster sync to a late host/co-host is not an admission: no audit entry, no event.
        const sync = this.auth.roles.has(cmd.target) || (cmd.target === me && this.isHost());
        if (!sync) h.audit('admitted', { participantId: cmd.target, by });
        if (cmd.target === me) {
          this.#selfAdmitted = true;
          for (const entry of cmd.roster) {
            const [pid = '', k = ''] = entry.split(':');
            this.#admitted.set(pid, k);
            if (!h.session.peers.has(pid)) this.#pendingAdmit.set(pid, k);
          }
          if (!sync) h.emit('admitted', by);
          for (const id of h.session.peers.keys()) this.evaluate(id);
        } else if (targetPeer) {
          this.#admitted.set(cmd.target, cmd.targetKey);
          this.evaluate(cmd.target);
        } else this.#pendingAdmit.set(cmd.target, cmd.targetKey);
        return;
      case 'deny':
        this.#waiting.delete(cmd.target);
        h.audit('denied', { participantId: cmd.target, by, reason: cmd.reason || 'host-denied' });
        if (cmd.target === me) {
          h.emit('admission-denied', cmd.reason || 'host-denied');
          h.leave('error');
        } else if (targetPeer && !this.canKey(cmd.target)) void h.session.removePeer?.(cmd.target);
        return;
      case 'expel':
        h.audit('expelled', { participantId: cmd.target, by });
        if (cmd.target === me) {
          h.emit('expelled', by);
          return h.leave('error');
        }
        this.#expelled.add(cmd.targetKey);
        this.#admitted.delete(cmd.target);
        this.#released.delete(cmd.target);
        h.hide(cmd.target);
        void h.session.removePeer?.(cmd.target);
        h.emit('participant-expelled', cmd.target, by);
        return;
      case 'lock':
      case 'unlock':
        this.locked = cmd.op === 'lock';
        h.audit(cmd.op === 'lock' ? 'locked' : 'unlocked', { by });
        h.emit('locked', this.locked, by);
        if (!this.locked) for (const id of h.session.peers.keys()) this.evaluate(id);
        return;
      case 'end':
        h.audit('ended', { by });
        if (by !== me) h.emit('ended', by);
        return h.leave('ended');
      case 'co-host':
      case 'hand-over': {
        const role = cmd.op === 'co-host' ? 'co-host' : 'host';
        if (cmd.target === me) this.#setSelfRole(role, by);
        else if (targetPeer) this.#setRole(cmd.target, role, by);
        return;
      }
      default: {
        const never: never = cmd.op;
        throw new AccessError('bad-command', `unknown op ${String(never)}`);
      }
    }
  }

  #setRole(id: string, role: 'host' | 'co-host', by?: string): void {
    this.auth.roles.set(id, role);
    this.#h.audit('role-changed', { participantId: id, role, ...(by ? { by } : {}) });
    this.#h.emit('role-changed', id, role);
    this.evaluate(id);
  }

  #setSelfRole(role: 'host' | 'co-host', by?: string): void {
    this.role = role;
    this.#selfAdmitted = true;
    const me = this.#h.session.localId;
    this.#h.audit('role-changed', { participantId: me, role, ...(by ? { by } : {}) });
    this.#h.emit('role-changed', me, role);
    for (const id of this.#h.session.peers.keys()) this.evaluate(id);
  }

  /**
   * The host left without handing over: if no host remains, the co-host with the lowest identity
   * key (hex order) becomes host. Every member computes the same answer from what it sees.
   */
  #succession(): void {
    if ([...this.auth.roles.values()].includes('host') || this.role === 'host') return;
    const candidates = [...this.auth.roles].filter(([, r]) => r === 'co-host')
      .map(([id]) => ({ id, key: keyHex(this.#h.session.peers.get(id)?.identityKey ?? new Uint8Array()) }));
    if (this.role === 'co-host') candidates.push({ id: this.#h.session.localId, key: keyHex(this.#h.identity.publicKey) });
    const next = candidates.sort((a, b) => (a.key < b.key ? -1 : 1))[0];
    if (!next) return;
    if (next.id === this.#h.session.localId) this.#setSelfRole('host');
    else this.#setRole(next.id, 'host');
  }

  #send(id: string, bytes: Uint8Array): void {
    try {
      this.#h.session.sendToPeer(id, bytes);
    } catch (error) {
      this.#h.error(new AccessError('bad-command', 'could not send a safeguard message', { cause: error }));
    }
  }
}

/** The refusals of a received host command that the audit trail records. */
function isRejection(code: AccessErrorCode): code is 'not-authorized' | 'bad-command' | 'replayed-command' | 'room-locked' {
  return code === 'not-authorized' || code === 'bad-command' || code === 'replayed-command' || code === 'room-locked';
}
