/**
 * The room's data transport: one ordered, reliable WebRTC data channel per mesh peer, carrying
 * the end-to-end sealed chat envelopes and file messages of {@link RoomData} directly between
 * browsers, so the relay never carries them (not even sealed).
 *
 * The channel's DTLS is not what protects the data (its fingerprints are only as good as the
 * signaling that carried them): every envelope is sealed and signed per sender above it, and a
 * received message is bound to the participant whose peer connection it arrived on.
 *
 * Frame on the channel (one data channel message each; the same tags as the pairwise channel):
 * ```
 *   0x00 ‖ kind (1 byte: 5 chat envelope, 6 file message) ‖ body
 * ```
 *
 * Sending: a message to a participant whose channel is not open yet waits in that participant's
 * queue (bounded in count and time) until the channel opens, or fails when the participant
 * leaves. There is no relay fallback. Before each message the sender waits until the channel's
 * `bufferedAmount` is below a high-water mark, so a large file never floods the SCTP buffer.
 *
 * @module
 */
import { RoomError } from './errors.js';
import type { MeshPeer } from './peer.js';
import type { DataChannelOptions } from './safeguard-types.js';

/** Options of {@link DataLinks}: the app's {@link DataChannelOptions} and where messages go. */
export interface DataLinksOptions extends DataChannelOptions {
  /** A message arrived on `from`'s peer connection (the only sender it can be bound to). */
  onData(from: string, data: Uint8Array): void;
}

interface Link {
  peer: MeshPeer | undefined;
  tail: Promise<void>;
  queued: number;
  gone: boolean;
  /** Wakes senders waiting for the channel to open or the participant to leave. */
  wake: Set<() => void>;
  offs: (() => void)[];
}

const POLL_MS = 10;

/**
 * Per-participant data channel queues over the mesh's peers. The mesh calls
 * {@link DataLinks.attach}/{@link DataLinks.detach}; the room's data layer calls
 * {@link DataLinks.send}.
 *
 * @example
 * ```ts
 * const links = new DataLinks({ onData: (from, bytes) => data.receive(from, bytes) });
 * links.attach('bob', peer);          // by the mesh, when bob's connection is made
 * await links.send('bob', frame);     // resolves once the channel took it
 * ```
 */
export class DataLinks {
  readonly #opts: DataLinksOptions;
  readonly #links = new Map<string, Link>();

  constructor(options: DataLinksOptions) {
    this.#opts = options;
  }

  /** Bind `peer` as `remoteId`'s connection: its messages are `remoteId`'s, queued sends proceed on open. */
  attach(remoteId: string, peer: MeshPeer): void {
    const link = this.#link(remoteId);
    for (const off of link.offs.splice(0)) off();
    link.peer = peer;
    const wake = (): void => {
      for (const w of [...link.wake]) w();
    };
    link.offs.push(
      peer.on('data', (data) => {
        if (link.peer === peer && !link.gone) this.#opts.onData(remoteId, data);
      }),
      peer.on('connect', wake),
      peer.on('close', wake),
    );
    wake();
  }

  /** `remoteId` left or its connection closed: its queued messages fail with `'peer-failed'`. */
  detach(remoteId: string): void {
    const link = this.#links.get(remoteId);
    if (!link) return;
    this.#links.delete(remoteId);
    link.gone = true;
    for (const off of link.offs.splice(0)) off();
    link.peer = undefined;
    for (const w of [...link.wake]) w();
  }

  /** Fail every queued message and forget every link (room teardown). */
  close(): void {
    for (const id of [...this.#links.keys()]) this.detach(id);
  }

  /**
   * Send one framed message to `remoteId` in order after its earlier ones: waits (bounded) for the
   * channel to open and for its buffer to drain below the high-water mark.
   *
   * @throws RoomError `'peer-failed'` when the participant leaves first, its queue is full, the
   *   channel does not open or drain in time, or the channel refuses the message.
   * @example
   * ```ts
   * await links.send('bob', packSafeguard('chat', sealed));
   * ```
   */
  send(remoteId: string, data: Uint8Array): Promise<void> {
    const link = this.#link(remoteId);
    const max = this.#opts.maxQueued ?? 256;
    if (link.queued >= max) {
      return Promise.reject(new RoomError('peer-failed', 'data channel queue full', { participantId: remoteId }));
    }
    link.queued++;
    const run = link.tail.then(() => this.#deliver(remoteId, link, data));
    const settled = run.finally(() => {
      link.queued--;
    });
    // The next message waits for this one whatever its outcome; the caller sees the outcome.
    link.tail = settled.then(
      () => undefined,
      () => undefined,
    );
    return settled;
  }

  /** Messages waiting for `remoteId` (for tests and diagnostics). */
  queued(remoteId: string): number {
    return this.#links.get(remoteId)?.queued ?? 0;
  }

  #link(remoteId: string): Link {
    let link = this.#links.get(remoteId);
    if (!link) {
      link = { peer: undefined, tail: Promise.resolve(), queued: 0, gone: false, wake: new Set(), offs: [] };
      this.#links.set(remoteId, link);
    }
    return link;
  }

  async #deliver(remoteId: string, link: Link, data: Uint8Array): Promise<void> {
    const fail = (why: string, cause?: unknown): RoomError =>
      new RoomError('peer-failed', `data channel: ${why}`, { participantId: remoteId, ...(cause !== undefined ? { cause } : {}) });
    const openBy = Date.now() + (this.#opts.openTimeoutMs ?? 30_000);
    while (!link.gone && !link.peer?.dataOpen) {
      const left = openBy - Date.now();
      if (left <= 0) throw fail('not open in time');
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          link.wake.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        link.wake.add(done);
      });
    }
    if (link.gone || !link.peer) throw fail('participant left');
    // RTCDataChannel has a `bufferedamountlow` event, but not every backend exposes it: poll, bounded.
    const high = this.#opts.highWaterBytes ?? 1024 * 1024;
    const drainBy = Date.now() + (this.#opts.drainTimeoutMs ?? 30_000);
    while (link.peer.dataBufferedAmount > high) {
      if (Date.now() > drainBy) throw fail('buffer did not drain in time');
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (link.gone || !link.peer?.dataOpen) throw fail('participant left');
    }
    try {
      link.peer.sendData(data);
    } catch (cause) {
      throw fail('send refused', cause);
    }
  }
}
