/**
 * A small typed event emitter: event name → argument tuple.
 *
 * A listener that throws never breaks the emitter's caller: the exception is
 * handed to `onListenerError` (by default re-thrown asynchronously so it still
 * surfaces in the console / test runner) and the remaining listeners still run.
 *
 * @module
 */

/** Map from event name to the tuple of arguments its listeners receive. */
export type EventMap = { [event: string]: unknown[] };

/** A listener for event `K` of map `M`. */
export type Listener<M extends EventMap, K extends keyof M> = (...args: M[K]) => void;

/**
 * Typed emitter used by every stateful object of the SDK.
 *
 * @example
 * ```ts
 * const em = new TypedEmitter<{ tick: [n: number] }>();
 * const off = em.on('tick', (n) => console.log(n));
 * em.emit('tick', 1);
 * off();
 * ```
 */
export class TypedEmitter<M extends EventMap> {
  readonly #listeners = new Map<keyof M, Set<(...args: never[]) => void>>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(options?: { onListenerError?: (error: unknown) => void }) {
    this.#onListenerError =
      options?.onListenerError ??
      ((error) => {
        queueMicrotask(() => {
          throw error;
        });
      });
  }

  /** Subscribe; returns the function that unsubscribes. */
  on<K extends keyof M>(event: K, listener: Listener<M, K>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as unknown as (...args: never[]) => void);
    return () => this.off(event, listener);
  }

  /** Subscribe for one emission only. */
  once<K extends keyof M>(event: K, listener: Listener<M, K>): () => void {
    const off = this.on(event, ((...args: M[K]) => {
      off();
      listener(...args);
    }) as Listener<M, K>);
    return off;
  }

  /** Unsubscribe a listener added with {@link TypedEmitter.on}. */
  off<K extends keyof M>(event: K, listener: Listener<M, K>): void {
    this.#listeners.get(event)?.delete(listener as unknown as (...args: never[]) => void);
  }

  /** Number of listeners for `event`. */
  listenerCount<K extends keyof M>(event: K): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Remove every listener (used on teardown). */
  removeAllListeners(): void {
    this.#listeners.clear();
  }

  /**
   * Call every listener of `event` with `args`. A throwing listener is isolated:
   * the others still run and the caller never sees the exception.
   */
  emit<K extends keyof M>(event: K, ...args: M[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as (...a: M[K]) => void)(...args);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }
}
