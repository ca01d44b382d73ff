/**
 * What the access-control state (`access.ts`) needs from the room around it.
 *
 * @module
 */
import type { SealError } from '../errors.js';
import type { AuditDetails, AuditEventType } from './audit/index.js';
import type { SafeguardEvents, SafeguardJoinOptions } from './safeguard-types.js';
import type { RoomKeySession } from './types.js';

/** The key session as the safeguards drive it (`GroupKeySession` has both optional members). */
export interface GuardedSession extends RoomKeySession {
  releaseKeys?(peerId: string): Promise<void>;
  removePeer?(peerId: string): Promise<void>;
}

/** What {@link Access} needs from the room around it. */
export interface AccessHooks {
  readonly roomId: string;
  readonly session: GuardedSession;
  readonly identity: { readonly publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array };
  readonly options: SafeguardJoinOptions;
  readonly now: () => number;
  audit<T extends AuditEventType>(type: T, details: AuditDetails<T>): void;
  emit<K extends keyof SafeguardEvents & string>(event: K, ...args: SafeguardEvents[K]): void;
  error(error: SealError): void;
  /** The peer may now appear in the media mesh / must leave it. */
  show(id: string): void;
  hide(id: string): void;
  /** Leave the room (expelled, denied, ended). */
  leave(reason: 'ended' | 'error'): void;
}
