/**
 * The public types of `GroupKeySession`: options, peer info and events.
 *
 * @module
 */
import type { SealError } from '../errors.js';
import type { Signaling } from '../signaling/types.js';
import type { Identity } from './identity.js';
import type { MediaKeySink } from './sink.js';
import type { IdentityChange, KnownIdentityStore } from './trust.js';

/** An authenticated peer. */
export interface PeerInfo {
  /** Its id in the room (bound into the handshake transcript). */
  id: string;
  displayName?: string;
  /** Ed25519 identity public key. */
  identityKey: Uint8Array;
  /** 60-digit safety number of this pair (same on both sides). */
  safetyNumber: string;
  /** 6-digit short authentication string of this pair. */
  sas: string;
  /** The same SAS as five emoji, space-separated. */
  sasEmoji: string;
  /** True when an `attestationKey` was configured and the peer's card verified under it. */
  attested: boolean;
}

/** Events of {@link GroupKeySession} (name → listener arguments). */
export interface GroupKeySessionEvents {
  [event: string]: unknown[];
  'peer-joined': [peer: PeerInfo];
  'peer-left': [peer: PeerInfo];
  'peer-message': [peerId: string, data: Uint8Array];
  'keys-delivered': [];
  epoch: [epoch: number];
  'call-code': [code: string];
  'identity-changed': [change: IdentityChange];
  error: [error: SealError];
}

/** Options of {@link GroupKeySession}. */
export interface GroupKeySessionOptions {
  roomId: string;
  identity: Identity;
  signaling: Signaling;
  keySink: MediaKeySink;
  /** Periodic fresh key (default 600 000 ms = 10 min; 0 disables). */
  rekeyIntervalMs?: number;
  /** Longest wait for acks before switching to a new send key (default 1000 ms). */
  switchTimeoutMs?: number;
  /** How long a superseded receive key stays after the sender's switch deadline (default 1000 ms). */
  overlapMs?: number;
  /** Trust on first use: warn when a known display identity shows up with another key. */
  trustStore?: KnownIdentityStore;
  /** App server Ed25519 public key; when set, only peers with a card attested by it are admitted. */
  attestationKey?: Uint8Array;
  /**
   * Lobby gate: when it returns true for a newly authenticated peer, none of this participant's
   * media keys is sent to it until `releaseKeys(peer.id)` (the room admitted it). Default: never hold.
   */
  holdKeys?: (peer: PeerInfo) => boolean;
}

