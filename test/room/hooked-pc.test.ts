/**
 * The RTCPeerConnection subclass the mesh hands simple-peer, against a fake base class: every
 * sender and receiver is attached the moment its transceiver exists, before any app code sees it,
 * and a transceiver that cannot be attached is stopped (fail closed).
 */
import { describe, expect, it } from 'vitest';
import { hookedPeerConnection, type Hooks } from '../../src/room/simple-peer-backend.js';

class FakeTransceiver {
  stopped = false;
  constructor(readonly sender: { track: unknown }, readonly receiver: object) {}
  stop(): void {
    this.stopped = true;
  }
}

/** Just enough of RTCPeerConnection: transceivers, addTrack reusing a track-less sender of the same kind, track events. */
class FakeBase extends EventTarget {
  readonly transceivers: FakeTransceiver[] = [];
  constructor(readonly config?: RTCConfiguration) {
    super();
  }
  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }
  addTrack(track: { kind: string }): { track: unknown } {
    const reuse = this.transceivers.find((t) => t.sender.track === null && !t.stopped);
    if (reuse) {
      reuse.sender.track = track;
      return reuse.sender;
    }
    const t = new FakeTransceiver({ track }, {});
    this.transceivers.push(t);
    return t.sender;
  }
  removeTrack(sender: { track: unknown }): void {
    sender.track = null;
  }
  addTransceiver(): FakeTransceiver {
    const t = new FakeTransceiver({ track: null }, {});
    this.transceivers.push(t);
    return t;
  }
  /** What applying a remote offer does: a new transceiver with a track-less sender, then 'track'. */
  remoteOffer(): FakeTransceiver {
    const t = new FakeTransceiver({ track: null }, {});
    this.transceivers.push(t);
    this.dispatchEvent(new Event('track'));
    return t;
  }
}

function setup(failOn?: (endpoint: object) => boolean) {
  const senders = new Set<object>();
  const receivers = new Set<object>();
  const failures: unknown[] = [];
  const hooks: Hooks = {
    onSender: (s) => {
      if (failOn?.(s)) throw new Error('no transform');
      senders.add(s);
    },
    onReceiver: (r) => void receivers.add(r),
    onAttachFailed: (e) => void failures.push(e),
  };
  const PC = hookedPeerConnection(FakeBase as unknown as typeof RTCPeerConnection, hooks);
  const pc = new PC({ iceServers: [] }) as unknown as FakeBase;
  return { pc, senders, receivers, failures };
}

describe('hookedPeerConnection', () => {
  it('attaches a new sender and every receiver inside addTrack, before it returns', () => {
    const { pc, senders, receivers } = setup();
    const sender = pc.addTrack({ kind: 'video' });
    expect(senders.has(sender)).toBe(true);
    expect(receivers.has(pc.transceivers[0]!.receiver)).toBe(true);
  });

  it('attaches offer-created transceivers (sender too) in the track event, before anyone else sees it', () => {
    const { pc, senders, receivers } = setup();
    let seenAttached: boolean | undefined;
    pc.addEventListener('track', () => {
      const t = pc.transceivers.at(-1)!;
      seenAttached = senders.has(t.sender) && receivers.has(t.receiver);
    });
    const t = pc.remoteOffer();
    expect(seenAttached).toBe(true);
    // A later addTrack reuses that transceiver: its sender was protected before it got a track.
    const sender = pc.addTrack({ kind: 'audio' });
    expect(sender).toBe(t.sender);
    expect(senders.has(sender)).toBe(true);
  });

  it('fails closed: a sender that cannot be attached is removed (addTrack) or its transceiver stopped (event)', () => {
    const { pc, failures } = setup(() => true);
    expect(() => pc.addTrack({ kind: 'video' })).toThrow('no transform');
    expect(pc.transceivers[0]!.sender.track).toBeNull();
    expect(() => pc.addTransceiver()).toThrow('no transform');
    expect(pc.transceivers[1]!.stopped).toBe(true);
    const t = pc.remoteOffer();
    expect(t.stopped).toBe(true);
    expect(failures.length).toBeGreaterThan(0);
  });
});
