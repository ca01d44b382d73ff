/**
 * The one lazy loader of libsodium (sumo build: Argon2id and secretstream live only there).
 *
 * Loaded with a dynamic `import()` on first use, so a room without a passcode and without file
 * transfer never fetches or instantiates it; bundlers split it into its own chunk.
 *
 * @module
 */

/** The libsodium API object. */
export type Sodium = typeof import('libsodium-wrappers-sumo').default;

let loading: Promise<Sodium> | undefined;

/**
 * Load and initialise libsodium once; later calls share the same promise. A failed load is
 * forgotten so the next call retries.
 *
 * @throws whatever the module loader throws (network error fetching the chunk).
 * @example
 * ```ts
 * const sodium = await loadSodium();
 * const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
 * ```
 */
export function loadSodium(): Promise<Sodium> {
  loading ??= import('libsodium-wrappers-sumo').then(
    async (mod) => {
      const sodium = mod.default;
      await sodium.ready;
      return sodium;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
