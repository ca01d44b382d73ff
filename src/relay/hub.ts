/**
 * Rooms, peer sessions and routing: the relay's core, independent of sockets and of Redis.
 *
 * A *session* is a peer's membership in a room. It outlives its socket by the resume grace
 * period and keeps every frame addressed to the peer until the peer acks it, so a client
 * that reconnects and resumes gets exactly what it missed. Presence changes are sequenced
 * frames like messages, so they are replayed too. With a {@link Cluster}, rooms span relay
 * processes; without, the hub is a single-process relay.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { encodeDeliver, encodeRelayFrame, type RelayFrame } from '../signaling/envelope.js';
import type { RelayLimits } from './limits.js';
import type { RelayLogger } from './log.js';
import type { RelayMetrics } from './metrics.js';

/** A socket as the hub sees it. */
export interface Link {
  readonly id: string;
  /**
   * Send one encoded frame (the link closes itself with `'slow-reader'` when backed up).
   * `ackedSendSeq`: the frame carries this cumulative SEND ack, so the link owes no ACK up to it.
   */
  send(bytes: Uint8Array, ackedSendSeq?: number): void;
  /** Tell the client `code` and close; the link then detaches from its session. */
  fail(code: string): void;
}

/** Cross-process room sharing (implemented over Redis pub/sub in `redis.ts`). */
export interface Cluster {
  /** Claim `peer` in `room` for this process; `false` if a live process holds it under another key. */
  claim(room: string, peer: string, keyTag: string): Promise<boolean>;
  release(room: string, peer: string): void;
  /** Peers of `room` on other processes, as currently known (peer id → node id). */
  remoteMembers(room: string): ReadonlyMap<string, string>;
  /** Start / stop following a room (subscription + member list). */
  watch(room: string): Promise<void>;
  unwatch(room: string): void;
  deliver(room: string, to: string, from: string, instance: Uint8Array, srcSeq: number, payload: Uint8Array): void;
  presence(room: string, kind: 'joined' | 'left', peer: string): void;
}

/** A peer's membership in a room. */
export class Session {
  link: Link | undefined;
  deliverySeq = 0;
  lastSendSeq = 0;
  /**
   * Sequenced frames not yet acked, oldest first. Their delivery numbers are consecutive and end
   * at {@link deliverySeq}, so the frames are kept bare.
   */
  outbox: Uint8Array[] = [];
  outboxBytes = 0;
  /** {@link deliverySeq} at the previous compaction (see {@link Hub.compactOutboxes}). */
  sweptSeq = 0;
  grace: ReturnType<typeof setTimeout> | undefined;
  ended = false;
  /** The peer id as UTF-8, encoded once for every DELIVER it sends. */
  readonly peerBytes: Uint8Array;
  constructor(readonly room: Room, readonly peer: string, readonly resumeKey: Uint8Array, public instance: Uint8Array) {
    this.peerBytes = utf8.encode(peer);
  }
}

const utf8 = new TextEncoder();

/** A room: local sessions by peer id. */
export class Room {
  readonly sessions = new Map<string, Session>();
  constructor(readonly id: string) {}
}

/** What a JOIN asks for (after token checks). */
export interface Admission {
  room: string;
  peer: string;
  resumeKey: Uint8Array;
  instance: Uint8Array;
  lastDeliverySeq: number;
}

/** The routing core. */
export class Hub {
  readonly rooms = new Map<string, Room>();
  constructor(
    readonly limits: RelayLimits,
    readonly log: RelayLogger,
    readonly metrics: RelayMetrics,
    readonly cluster?: Cluster,
  ) {}

  /** Admit a joining link: resume its session or create one. Returns an error code on refusal. */
  async admit(link: Link, a: Admission): Promise<{ session: Session; resumed: boolean } | { error: string }> {
    const existing = this.rooms.get(a.room)?.sessions.get(a.peer);
    if (existing) return this.#resume(existing, link, a);
    const isNew = !this.rooms.has(a.room);
    if (isNew && this.rooms.size >= this.limits.maxRooms) return { error: 'too-many-rooms' };
    if (this.cluster) {
      if (isNew) await this.cluster.watch(a.room);
      if (this.#count(a.room) >= this.limits.maxPeersPerRoom) return this.#refuse(a.room, 'room-full');
      if (!(await this.cluster.claim(a.room, a.peer, keyTag(a.resumeKey)))) return this.#refuse(a.room, 'peer-id-taken');
      const raced = this.rooms.get(a.room)?.sessions.get(a.peer);
      if (raced) return this.#resume(raced, link, a);
    }
    if (this.#count(a.room) >= this.limits.maxPeersPerRoom) return this.#refuse(a.room, 'room-full');
    let room = this.rooms.get(a.room);
    if (!room) {
      room = new Room(a.room);
      this.rooms.set(a.room, room);
    }
    const s = new Session(room, a.peer, a.resumeKey.slice(), a.instance.slice());
    for (const other of room.sessions.values()) this.push(other, (seq) => ({ t: 'joined', seq, peer: a.peer }));
    room.sessions.set(a.peer, s);
    s.link = link;
    this.cluster?.presence(a.room, 'joined', a.peer);
    this.metrics.joins++;
    return { session: s, resumed: false };
  }

  /** Everyone in the room but `self` (local and, with a cluster, remote). */
  peersOf(s: Session): string[] {
    const out = [...s.room.sessions.keys()].filter((p) => p !== s.peer);
    for (const p of this.cluster?.remoteMembers(s.room.id).keys() ?? []) if (p !== s.peer && !out.includes(p)) out.push(p);
    return out;
  }

  /** Route one SEND. Returns an error code for the sender, or `undefined`. */
  route(s: Session, to: string, srcSeq: number, payload: Uint8Array): string | undefined {
    const room = s.room;
    if (to === '*') {
      for (const other of room.sessions.values()) if (other !== s) this.#deliver(other, s.peerBytes, s.instance, srcSeq, payload);
      if (this.cluster && this.cluster.remoteMembers(room.id).size > 0) {
        this.cluster.deliver(room.id, '*', s.peer, s.instance, srcSeq, payload);
      }
      return undefined;
    }
    const target = to === s.peer ? undefined : room.sessions.get(to);
    if (target) {
      this.#deliver(target, s.peerBytes, s.instance, srcSeq, payload);
      return undefined;
    }
    if (to !== s.peer && this.cluster?.remoteMembers(room.id).has(to)) {
      this.cluster.deliver(room.id, to, s.peer, s.instance, srcSeq, payload);
      return undefined;
    }
    return 'unknown-target';
  }

  /** A message from another process for local peers of `roomId`. */
  remoteDeliver(roomId: string, to: string, from: string, instance: Uint8Array, srcSeq: number, payload: Uint8Array): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    const fromBytes = utf8.encode(from);
    if (to === '*') {
      for (const s of room.sessions.values()) if (s.peer !== from) this.#deliver(s, fromBytes, instance, srcSeq, payload);
    } else {
      const s = room.sessions.get(to);
      if (s) this.#deliver(s, fromBytes, instance, srcSeq, payload);
    }
  }

  /** Presence from another process (or its death, detected by the cluster). */
  remotePresence(roomId: string, kind: 'joined' | 'left', peer: string): void {
    const room = this.rooms.get(roomId);
    if (!room || room.sessions.has(peer)) return;
    for (const s of room.sessions.values()) this.push(s, (seq) => ({ t: kind, seq, peer }));
  }

  /** The client acked every sequenced frame up to `seq`. */
  ack(s: Session, seq: number): void {
    // outbox[k] holds delivery number deliverySeq - outbox.length + 1 + k.
    const n = Math.min(s.outbox.length, seq - (s.deliverySeq - s.outbox.length));
    if (n <= 0) return;
    if (n <= 4) {
      for (let i = 0; i < n; i++) s.outboxBytes -= (s.outbox.shift() as Uint8Array).length;
      return;
    }
    for (let i = 0; i < n; i++) s.outboxBytes -= (s.outbox[i] as Uint8Array).length;
    s.outbox.splice(0, n);
  }

  /**
   * Give every frame that has waited in an outbox since the previous call its own copy of its
   * bytes. Frames are cut from shared slabs (the envelope encoder's allocator), so one frame kept
   * by a peer that does not ack would otherwise pin a whole slab; called about once a second, this
   * bounds the pinned slab memory to roughly two seconds of traffic, however many peers lag.
   */
  compactOutboxes(): void {
    for (const room of this.rooms.values()) {
      for (const s of room.sessions.values()) {
        // Frames numbered up to sweptSeq were there last time; a view shorter than its buffer is
        // still cut from a slab.
        const waited = s.sweptSeq - (s.deliverySeq - s.outbox.length);
        for (let k = 0; k < waited; k++) {
          const f = s.outbox[k] as Uint8Array;
          if (f.length !== f.buffer.byteLength) s.outbox[k] = f.slice();
        }
        s.sweptSeq = s.deliverySeq;
      }
    }
  }

  /** The link is gone: keep the session for the grace period (or end it now). */
  detach(s: Session, link: Link, grace: boolean): void {
    if (s.link !== link || s.ended) return;
    s.link = undefined;
    if (!grace) return this.end(s, 'left');
    clearTimeout(s.grace);
    s.grace = setTimeout(() => this.end(s, 'grace-expired'), this.limits.resumeGraceMs);
    s.grace.unref?.();
  }

  /**
   * Remove the session and tell the room — unless `silent` (another process took the peer
   * over with the right resume key: for the room the peer never left).
   */
  end(s: Session, reason: string, silent = false): void {
    if (s.ended) return;
    s.ended = true;
    clearTimeout(s.grace);
    const room = s.room;
    room.sessions.delete(s.peer);
    s.resumeKey.fill(0);
    s.outbox = [];
    s.outboxBytes = 0;
    if (s.link) {
      const l = s.link;
      s.link = undefined;
      l.fail('session-ended');
    }
    if (!silent) {
      for (const other of room.sessions.values()) this.push(other, (seq) => ({ t: 'left', seq, peer: s.peer }));
      this.cluster?.presence(room.id, 'left', s.peer);
      this.cluster?.release(room.id, s.peer);
    }
    if (room.sessions.size === 0) {
      this.rooms.delete(room.id);
      this.cluster?.unwatch(room.id);
    }
    this.metrics.sessionsEnded++;
    this.log.log('info', 'peer-left', { room: room.id, peer: s.peer, reason });
  }

  /** Append a sequenced frame to the session's outbox and send it if connected; `build` gets its number. */
  push(s: Session, build: (seq: number) => RelayFrame): void {
    if (s.ended) return;
    this.#enqueue(s, encodeRelayFrame(build(++s.deliverySeq)), undefined);
  }

  /** Append an encoded sequenced frame (numbered `s.deliverySeq`) to the outbox and send it. */
  #enqueue(s: Session, bytes: Uint8Array, ackedSendSeq: number | undefined): void {
    s.outbox.push(bytes);
    s.outboxBytes += bytes.length;
    if (s.outboxBytes > this.limits.maxOutboxBytes) {
      if (s.link) s.link.fail('slow-reader');
      else this.end(s, 'outbox-overflow');
      return;
    }
    s.link?.send(bytes, ackedSendSeq);
  }

  /** A DELIVER to `s`, carrying its cumulative SEND ack; built without an intermediate frame object. */
  #deliver(s: Session, from: Uint8Array, srcInstance: Uint8Array, srcSeq: number, payload: Uint8Array): void {
    if (s.ended) return;
    this.metrics.messagesRouted++;
    const ackedSendSeq = s.lastSendSeq;
    this.#enqueue(s, encodeDeliver(++s.deliverySeq, ackedSendSeq, from, srcInstance, srcSeq, payload), ackedSendSeq);
  }

  #resume(s: Session, link: Link, a: Admission): { session: Session; resumed: boolean } | { error: string } {
    if (s.resumeKey.length !== a.resumeKey.length || !timingSafeEqual(s.resumeKey, a.resumeKey)) {
      return { error: 'peer-id-taken' };
    }
    clearTimeout(s.grace);
    s.grace = undefined;
    const old = s.link;
    s.link = link;
    if (old) old.fail('session-resumed');
    s.instance = a.instance.slice();
    this.ack(s, a.lastDeliverySeq);
    this.metrics.resumes++;
    return { session: s, resumed: true };
  }

  #count(room: string): number {
    const local = this.rooms.get(room)?.sessions.size ?? 0;
    return local + (this.cluster?.remoteMembers(room).size ?? 0);
  }

  #refuse(room: string, error: string): { error: string } {
    if (!this.rooms.has(room)) this.cluster?.unwatch(room);
    return { error };
  }
}

/** A non-secret tag of a resume key (SHA-256, hex), safe to store in Redis. */
export function keyTag(resumeKey: Uint8Array): string {
  return createHash('sha256').update(resumeKey).digest('hex');
}
