/**
 * Redis scale-out: several relay processes share rooms through Redis pub/sub (`ioredis`).
 *
 * - `sealrtc:node:<node>`          heartbeat key, `SET … PX ttl` refreshed every ttl/3
 * - `sealrtc:members:<room>`       hash peer → "<node> <sha256(resumeKey) hex>"
 * - channel `sealrtc:room:<room>`  every cross-process event of the room, binary:
 *
 * ```
 *  u8 kind | str8 node | …
 *   1 DELIVER  str8 to ('*' = all) | str8 from | 8 B srcInstance | u32 srcSeq | payload …
 *   2 JOINED   str8 peer
 *   3 LEFT     str8 peer
 *   4 CLAIM    str8 peer   (the peer resumed on <node>; others drop their copy silently)
 * ```
 *
 * A process that dies stops refreshing its heartbeat; the others notice within about one TTL
 * and report its peers gone — unless those peers have already resumed on another process
 * (a CLAIM with the same resume-key tag). Messages buffered in the dead process for its own
 * peers are lost; senders' unacked messages are resent by the clients themselves.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Cluster, Hub } from './hub.js';
import type { RelayLogger } from './log.js';

const NODE = 'sealrtc:node:';
const MEMBERS = 'sealrtc:members:';
const CHANNEL = 'sealrtc:room:';
const RELEASE = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, 1, #ARGV[2] + 1) == ARGV[2] .. ' ' then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

/** The {@link Cluster} over Redis. */
export class RedisCluster implements Cluster {
  readonly nodeId = randomBytes(8).toString('hex');
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #remote = new Map<string, Map<string, string>>();
  #hub: Hub | undefined;
  #timers: ReturnType<typeof setInterval>[] = [];

  constructor(url: string, readonly log: RelayLogger, readonly ttlMs: number) {
    const o = { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true };
    this.#pub = new Redis(url, o);
    this.#sub = new Redis(url, o);
    for (const r of [this.#pub, this.#sub]) r.on('error', (e: Error) => log.log('warn', 'redis-error', { error: e.message }));
  }

  attach(hub: Hub): void {
    this.#hub = hub;
  }

  async start(): Promise<void> {
    await this.#pub.connect();
    await this.#sub.connect();
    this.#sub.on('messageBuffer', (channel: Buffer, msg: Buffer) => this.#onMessage(channel, msg));
    await this.#beat();
    this.#timers.push(setInterval(() => void this.#beat().catch((e: unknown) => this.#warn(e)), this.ttlMs / 3));
    this.#timers.push(setInterval(() => void this.#sweep().catch((e: unknown) => this.#warn(e)), this.ttlMs / 2));
    for (const t of this.#timers) t.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    // Leave the heartbeat to expire: peers get one TTL to resume on another process.
    this.#pub.disconnect();
    this.#sub.disconnect();
  }

  remoteMembers(room: string): ReadonlyMap<string, string> {
    return this.#remote.get(room) ?? EMPTY;
  }

  async watch(room: string): Promise<void> {
    if (this.#remote.has(room)) return;
    const map = new Map<string, string>();
    this.#remote.set(room, map);
    await this.#sub.subscribe(CHANNEL + room);
    const all = await this.#pub.hgetall(MEMBERS + room);
    for (const [peer, v] of Object.entries(all)) {
      const node = v.split(' ')[0] ?? '';
      if (node !== this.nodeId && !map.has(peer)) map.set(peer, node);
    }
  }

  unwatch(room: string): void {
    if (!this.#remote.delete(room)) return;
    void this.#sub.unsubscribe(CHANNEL + room).catch((e: unknown) => this.#warn(e));
  }

  async claim(room: string, peer: string, keyTag: string): Promise<boolean> {
    const cur = await this.#pub.hget(MEMBERS + room, peer);
    if (cur) {
      const [node, tag] = cur.split(' ');
      if (node !== this.nodeId && tag !== keyTag && (await this.#pub.exists(NODE + node)) === 1) return false;
      if (node !== this.nodeId) this.#publish(room, 4, [peer]);
    }
    await this.#pub.hset(MEMBERS + room, peer, `${this.nodeId} ${keyTag}`);
    this.#remote.get(room)?.delete(peer);
    return true;
  }

  release(room: string, peer: string): void {
    void this.#pub.eval(RELEASE, 1, MEMBERS + room, peer, this.nodeId).catch((e: unknown) => this.#warn(e));
  }

  deliver(room: string, to: string, from: string, instance: Uint8Array, srcSeq: number, payload: Uint8Array): void {
    const seq = Buffer.alloc(4);
    seq.writeUInt32BE(srcSeq >>> 0);
    this.#publish(room, 1, [to, from], [instance, seq, payload]);
  }

  presence(room: string, kind: 'joined' | 'left', peer: string): void {
    this.#publish(room, kind === 'joined' ? 2 : 3, [peer]);
  }

  #publish(room: string, kind: number, strs: string[], tail: Uint8Array[] = []): void {
    const parts: Uint8Array[] = [Uint8Array.of(kind)];
    for (const s of [this.nodeId, ...strs]) {
      const b = Buffer.from(s, 'utf8');
      parts.push(Uint8Array.of(b.length), b);
    }
    void this.#pub.publish(CHANNEL + room, Buffer.concat([...parts, ...tail])).catch((e: unknown) => this.#warn(e));
  }

  #onMessage(channel: Buffer, msg: Buffer): void {
    const hub = this.#hub;
    const room = channel.toString('utf8').slice(CHANNEL.length);
    const map = this.#remote.get(room);
    if (!hub || !map) return;
    let pos = 1;
    const str = (): string => {
      const n = msg[pos] ?? 0;
      const s = msg.toString('utf8', pos + 1, pos + 1 + n);
      pos += 1 + n;
      return s;
    };
    const kind = msg[0];
    const node = str();
    if (node === this.nodeId) return;
    if (kind === 1) {
      const to = str();
      const from = str();
      const instance = new Uint8Array(msg.subarray(pos, pos + 8));
      const srcSeq = msg.readUInt32BE(pos + 8);
      hub.remoteDeliver(room, to, from, instance, srcSeq, new Uint8Array(msg.subarray(pos + 12)));
    } else if (kind === 2 || kind === 4) {
      const peer = str();
      const local = hub.rooms.get(room)?.sessions.get(peer);
      if (kind === 4 && local) hub.end(local, 'moved', true);
      map.set(peer, node);
      hub.remotePresence(room, 'joined', peer);
    } else if (kind === 3) {
      const peer = str();
      if (map.get(peer) !== node) return;
      map.delete(peer);
      hub.remotePresence(room, 'left', peer);
    }
  }

  async #beat(): Promise<void> {
    await this.#pub.set(NODE + this.nodeId, '1', 'PX', this.ttlMs);
  }

  /** Report the peers of processes whose heartbeat expired as gone. */
  async #sweep(): Promise<void> {
    const nodes = new Set<string>();
    for (const map of this.#remote.values()) for (const n of map.values()) nodes.add(n);
    if (nodes.size === 0) return;
    const list = [...nodes];
    const alive = await Promise.all(list.map((n) => this.#pub.exists(NODE + n)));
    const dead = new Set(list.filter((_, i) => alive[i] === 0));
    if (dead.size === 0) return;
    for (const [room, map] of this.#remote) {
      for (const [peer, node] of [...map]) {
        if (!dead.has(node)) continue;
        map.delete(peer);
        void this.#pub.eval(RELEASE, 1, MEMBERS + room, peer, node).catch((e: unknown) => this.#warn(e));
        this.#hub?.remotePresence(room, 'left', peer);
      }
    }
    this.log.log('warn', 'relay-node-gone', { nodes: dead.size });
  }

  #warn(e: unknown): void {
    this.log.log('warn', 'redis-error', { error: e instanceof Error ? e.message : 'unknown' });
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();
