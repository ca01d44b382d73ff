/**
 * Trust on first use: a store of identity keys seen before, keyed by display identity.
 *
 * @module
 */
import { equalBytes } from './bytes.js';

/**
 * Where the app remembers which identity key belongs to which display identity (a name or the
 * app's user id). Implement it over the app's own storage; methods may be async.
 *
 * @example
 * ```ts
 * const store: KnownIdentityStore = {
 *   get: (name) => db.get('identities', name),
 *   remember: (name, key) => db.put('identities', key, name),
 * };
 * ```
 */
export interface KnownIdentityStore {
  /** The identity key known for `displayIdentity`, if any. */
  get(displayIdentity: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Remember `publicKey` for `displayIdentity` (called on first use only). */
  remember(displayIdentity: string, publicKey: Uint8Array): void | Promise<void>;
}

/**
 * A {@link KnownIdentityStore} in memory (tests, or apps that persist it themselves).
 *
 * @example
 * ```ts
 * const trust = new MemoryKnownIdentityStore();
 * new GroupKeySession({ …, trustStore: trust });
 * ```
 */
export class MemoryKnownIdentityStore implements KnownIdentityStore {
  readonly #keys = new Map<string, Uint8Array>();

  get(displayIdentity: string): Uint8Array | undefined {
    const k = this.#keys.get(displayIdentity);
    return k && new Uint8Array(k);
  }

  remember(displayIdentity: string, publicKey: Uint8Array): void {
    this.#keys.set(displayIdentity, new Uint8Array(publicKey));
  }

  /** Replace the key for a display identity (after the user re-verified it). */
  replace(displayIdentity: string, publicKey: Uint8Array): void {
    this.remember(displayIdentity, publicKey);
  }
}

/** Payload of the `'identity-changed'` event: a known display identity showed up with another key. */
export interface IdentityChange {
  peerId: string;
  displayIdentity: string;
  previousKey: Uint8Array;
  newKey: Uint8Array;
}

/**
 * Check a newly authenticated peer against the store: remember a first-seen display identity,
 * or report a known one that shows up with another key (the store is not changed then: the app
 * decides, e.g. after re-verifying the safety number).
 *
 * @throws whatever the app's store throws.
 * @example
 * ```ts
 * const change = await checkKnownIdentity(store, peerInfo);
 * if (change) warnUser(change.displayIdentity);
 * ```
 */
export async function checkKnownIdentity(
  store: KnownIdentityStore,
  peer: { id: string; displayName?: string; identityKey: Uint8Array },
): Promise<IdentityChange | undefined> {
  if (!peer.displayName) return undefined;
  const known = await store.get(peer.displayName);
  if (!known) {
    await store.remember(peer.displayName, peer.identityKey);
    return undefined;
  }
  if (equalBytes(known, peer.identityKey)) return undefined;
  return {
    peerId: peer.id,
    displayIdentity: peer.displayName,
    previousKey: new Uint8Array(known),
    newKey: new Uint8Array(peer.identityKey),
  };
}
