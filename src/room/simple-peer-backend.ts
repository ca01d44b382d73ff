/**
 * The production {@link PeerFactory}: one simple-peer per remote participant, over an
 * `RTCPeerConnection` subclass that puts every sender and receiver behind the E2EE
 * transform the moment it exists.
 *
 * Why a subclass: Chromium silently bypasses a receive transform attached in the
 * `track` event to a transceiver that `addTrack` created before negotiation (see
 * docs/room.md). So receivers are attached right after `addTrack`/`addTransceiver`
 * (scanning `getTransceivers()`), and transceivers created by a remote offer are
 * attached by a `track` listener registered in the constructor — before simple-peer's
 * own `ontrack`, hence before the app ever sees the track. Senders are attached right
 * after they are created, before any offer is made — including the track-less senders
 * of transceivers a remote offer created, which a later `addTrack` reuses (Chromium also
 * bypasses a sender transform set only at that reuse). If attaching fails, the sender is
 * removed or its transceiver stopped, so a track is never sent without encryption.
 *
 * @module
 */
import SimplePeer, { type SimplePeerInstance } from 'simple-peer/simplepeer.min.js';
import { TypedEmitter } from '../events.js';
import { RoomError } from './errors.js';
import type { MeshPeer, MeshPeerEvents, PeerFactory, PeerFactoryOptions, PeerSignal } from './peer.js';

/** What {@link hookedPeerConnection} reports to. */
export type Hooks = Pick<PeerFactoryOptions, 'onSender' | 'onReceiver'> & {
  /** A transceiver found in an event could not be put behind the transform (it was stopped). */
  onAttachFailed(error: unknown): void;
};

/**
 * An `RTCPeerConnection` subclass that attaches transforms to every sender and receiver the
 * moment its transceiver exists (exported for tests; the room uses it via simple-peer).
 *
 * @throws whatever `hooks.onSender` throws, from `addTrack`/`addTransceiver` (the sender is removed first).
 * @example
 * ```ts
 * const PC = hookedPeerConnection(RTCPeerConnection, { onSender, onReceiver, onAttachFailed });
 * ```
 */
export function hookedPeerConnection(Base: typeof RTCPeerConnection, hooks: Hooks): typeof RTCPeerConnection {
  /**
   * Put every transceiver's receiver *and* sender behind its transform as soon as it exists.
   * Senders too: a transceiver created by a remote offer has a track-less sender that a later
   * `addTrack` of the same kind reuses, and Chromium bypasses a sender transform set only then
   * (the controller reports 'transform-bypassed' and the frames leave in clear).
   */
  const attachAll = (pc: RTCPeerConnection): void => {
    for (const t of pc.getTransceivers()) {
      try {
        hooks.onReceiver(t.receiver);
        hooks.onSender(t.sender);
      } catch (error) {
        // Fail closed: a transceiver that cannot be put behind the transform never sends.
        t.stop();
        hooks.onAttachFailed(error);
      }
    }
  };
  return class HookedPeerConnection extends Base {
    constructor(config?: RTCConfiguration) {
      super(config);
      // Registered before simple-peer sets `ontrack`, so it runs first.
      this.addEventListener('track', () => attachAll(this));
    }

    override addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): RTCRtpSender {
      const sender = super.addTrack(track, ...streams);
      try {
        hooks.onSender(sender);
      } catch (error) {
        super.removeTrack(sender);
        throw error;
      }
      attachAll(this);
      return sender;
    }

    override addTransceiver(trackOrKind: MediaStreamTrack | string, init?: RTCRtpTransceiverInit): RTCRtpTransceiver {
      const transceiver = super.addTransceiver(trackOrKind, init);
      try {
        hooks.onSender(transceiver.sender);
      } catch (error) {
        transceiver.stop();
        throw error;
      }
      attachAll(this);
      return transceiver;
    }
  };
}

/** Adapts a simple-peer instance to {@link MeshPeer}. */
class SimplePeerLink extends TypedEmitter<MeshPeerEvents> implements MeshPeer {
  readonly #peer: SimplePeerInstance;

  constructor(peer: SimplePeerInstance) {
    super();
    this.#peer = peer;
    peer.on('signal', (data: PeerSignal) => this.emit('signal', data));
    peer.on('track', (track: MediaStreamTrack, stream: MediaStream) => this.emit('track', track, stream));
    peer.on('connect', () => this.emit('connect'));
    peer.on('close', () => this.emit('close'));
    peer.on('error', (error: Error & { code?: string }) => this.emit('error', error));
    // objectMode: one event per channel message, a Buffer (a Uint8Array) for binary ones. The
    // room sends binary only; a text message cannot be a sealed envelope, so it is not passed on.
    peer.on('data', (data: Uint8Array | string) => {
      if (typeof data !== 'string') this.emit('data', new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
  }

  signal(data: PeerSignal): void {
    this.#peer.signal(data);
  }
  addTrack(track: MediaStreamTrack, stream: MediaStream): void {
    this.#peer.addTrack(track, stream);
  }
  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, stream: MediaStream): void {
    this.#peer.replaceTrack(oldTrack, newTrack, stream);
  }
  removeTrack(track: MediaStreamTrack, stream: MediaStream): void {
    this.#peer.removeTrack(track, stream);
  }
  sendData(data: Uint8Array): void {
    this.#peer.send(data);
  }
  get dataOpen(): boolean {
    return this.#peer.connected;
  }
  get dataBufferedAmount(): number {
    return this.#peer.bufferSize;
  }
  destroy(): void {
    this.#peer.destroy();
  }
}

/**
 * The simple-peer mesh backend. `config` goes to `RTCPeerConnection` as given (it
 * always carries the app's `iceServers`, so simple-peer's public STUN default is
 * never used).
 *
 * @throws RoomError `'peer-failed'` (when a peer is made) if the browser has no `RTCPeerConnection`.
 * @example
 * ```ts
 * const factory = simplePeerFactory();
 * const peer = factory({ initiator: true, remoteId, config: { iceServers: [] }, onSender, onReceiver });
 * ```
 */
export function simplePeerFactory(): PeerFactory {
  return (options) => {
    const g = globalThis as Partial<Pick<typeof globalThis, 'RTCPeerConnection' | 'RTCSessionDescription' | 'RTCIceCandidate'>>;
    if (!g.RTCPeerConnection || !g.RTCSessionDescription || !g.RTCIceCandidate) {
      throw new RoomError('peer-failed', 'this environment has no RTCPeerConnection', { participantId: options.remoteId });
    }
    let link: SimplePeerLink | undefined;
    const hooks: Hooks = {
      onSender: options.onSender,
      onReceiver: options.onReceiver,
      // Failing the whole connection is the safe answer; the room shows the participant 'failed'.
      onAttachFailed: (cause) => link?.emit('error', Object.assign(new Error('a transceiver could not be encrypted', { cause }), { code: 'ERR_TRANSFORM_ATTACH' })),
    };
    const peer = new SimplePeer({
      initiator: options.initiator,
      config: options.config,
      trickle: true,
      objectMode: true,
      wrtc: {
        RTCPeerConnection: hookedPeerConnection(g.RTCPeerConnection, hooks),
        RTCSessionDescription: g.RTCSessionDescription,
        RTCIceCandidate: g.RTCIceCandidate,
      },
    });
    link = new SimplePeerLink(peer);
    return link;
  };
}
