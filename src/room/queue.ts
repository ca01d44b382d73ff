/**
 * One serial queue for a room's async state changes (joins, leaves, negotiation
 * input, track changes, teardown), so no two of them interleave.
 *
 * @module
 */

/**
 * Runs tasks one after another in submission order. A failing task rejects only
 * its own promise; the queue goes on.
 *
 * @example
 * ```ts
 * const q = new SerialQueue();
 * await q.run(async () => applyChange());
 * ```
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Enqueue `task`; resolves or rejects with its result. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    // The chain must survive a rejected task; the caller still sees the rejection.
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once everything enqueued so far has settled. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
