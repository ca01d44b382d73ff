/**
 * The room's record of one authenticated remote participant.
 *
 * @module
 */
import type { E2EEState, RemoteParticipant, SessionPeer } from './types.js';

/** Mutable inside the room, read-only ({@link RemoteParticipant}) outside. */
export class Participant implements RemoteParticipant {
  readonly id: string;
  readonly displayName: string | undefined;
  readonly identityKey: Uint8Array;
  readonly safetyNumber: string;
  readonly sas: string;
  e2eeState: E2EEState;
  readonly #tracks: MediaStreamTrack[] = [];

  constructor(peer: SessionPeer, initial: E2EEState) {
    this.id = peer.id;
    this.displayName = peer.displayName;
    // A copy: the app may hold this object longer than the key session holds its own.
    this.identityKey = new Uint8Array(peer.identityKey);
    this.safetyNumber = peer.safetyNumber;
    this.sas = peer.sas;
    this.e2eeState = initial;
  }

  get tracks(): readonly MediaStreamTrack[] {
    return [...this.#tracks];
  }

  /** Record a remote track; forget it when it ends. */
  addTrack(track: MediaStreamTrack): void {
    if (this.#tracks.includes(track)) return;
    this.#tracks.push(track);
    if (typeof track.addEventListener === 'function') {
      track.addEventListener('ended', () => {
        const i = this.#tracks.indexOf(track);
        if (i >= 0) this.#tracks.splice(i, 1);
      }, { once: true });
    }
  }

  /**
   * Move to `next`; returns whether the state changed.
   * `'unencrypted'` is terminal (testing opt-out): it never turns into `'encrypted'`.
   */
  setState(next: E2EEState): boolean {
    if (this.e2eeState === next || this.e2eeState === 'unencrypted') return false;
    this.e2eeState = next;
    return true;
  }
}
