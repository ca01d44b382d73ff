/**
 * Local types for simple-peer's self-contained browser build, the only simple-peer file
 * sealrtc imports (its source needs Node's `events`, `process`, `Buffer` and `global`,
 * which an app bundled with plain Vite does not have). Only what the room uses.
 */
declare module 'simple-peer/simplepeer.min.js' {
  /** The WebRTC constructors simple-peer should use instead of the globals. */
  export interface SimplePeerWrtc {
    RTCPeerConnection: typeof RTCPeerConnection;
    RTCSessionDescription: typeof RTCSessionDescription;
    RTCIceCandidate: typeof RTCIceCandidate;
  }
  export interface SimplePeerOptions {
    initiator?: boolean;
    config?: RTCConfiguration;
    trickle?: boolean;
    wrtc?: SimplePeerWrtc;
    /** Options of the one data channel simple-peer opens (room chat and files). */
    channelConfig?: RTCDataChannelInit;
    /** One `'data'` event per data channel message (the stream never merges messages). */
    objectMode?: boolean;
  }
  export interface SimplePeerInstance {
    signal(data: object): void;
    addTrack(track: MediaStreamTrack, stream: MediaStream): void;
    replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, stream: MediaStream): void;
    removeTrack(track: MediaStreamTrack, stream: MediaStream): void;
    destroy(error?: Error): void;
    /** Send on the data channel (throws once destroyed). */
    send(data: Uint8Array): void;
    /** ICE connected and the data channel open. */
    readonly connected: boolean;
    /** The data channel's `bufferedAmount` (0 without a channel). */
    readonly bufferSize: number;
    on(event: string, listener: (...args: never[]) => void): this;
    removeListener(event: string, listener: (...args: never[]) => void): this;
  }
  const SimplePeer: new (options?: SimplePeerOptions) => SimplePeerInstance;
  export default SimplePeer;
}
