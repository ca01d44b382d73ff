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
 * after they are created, before any offer is made; if that fails the sender is
 * removed again, so a track is never sent without encryption.
 *
 * @module
 */
import SimplePeer, { type SimplePeerInstance } from 'simple-peer/simplepeer.min.js';
import { TypedEmitter } from '../events.js';
import { RoomError } from './errors.js';
import type { MeshPeer, MeshPeerEvents, PeerFactory, PeerFactoryOptions, PeerSignal } from './peer.js';

type Hooks = Pick<PeerFactoryOptions, 'onSender' | 'onReceiver'>;

function hookedPeerConnection(Base: typeof RTCPeerConnection, hooks: Hooks): typeof RTCPeerConnection {
  const attachReceivers = (pc: RTCPeerConnection): void => {
    for (const t of pc.getTransceivers()) hooks.onReceiver(t.receiver);
  };
  return class HookedPeerConnection extends Base {
    constructor(config?: RTCConfiguration) {
      super(config);
      // Registered before simple-peer sets `ontrack`, so it runs first.
      this.addEventListener('track', () => attachReceivers(this));
    }

    override addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): RTCRtpSender {
      const sender = super.addTrack(track, ...streams);
      try {
        hooks.onSender(sender);
      } catch (error) {
        super.removeTrack(sender);
        throw error;
      }
      attachReceivers(this);
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
      attachReceivers(this);
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
    const peer = new SimplePeer({
      initiator: options.initiator,
      config: options.config,
      trickle: true,
      wrtc: {
        RTCPeerConnection: hookedPeerConnection(g.RTCPeerConnection, options),
        RTCSessionDescription: g.RTCSessionDescription,
        RTCIceCandidate: g.RTCIceCandidate,
      },
    });
    return new SimplePeerLink(peer);
  };
}
