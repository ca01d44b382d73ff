/**
 * The timers of one key session: switch deadlines, overlap removals, periodic rekey. Every
 * callback runs through the session's queue, and `clear()` on close cancels them all. Timers do
 * not keep a Node process alive.
 *
 * @module
 */

type Handle = ReturnType<typeof setTimeout>;

/**
 * Named and anonymous one-shot timers whose callbacks go through `run`.
 *
 * @throws never
 * @example
 * ```ts
 * const timers = new SessionTimers((task) => void queue(task));
 * timers.after(1000, () => switchKeys(), 'switch');   // re-arming 'switch' cancels the previous one
 * timers.clear();
 * ```
 */
export class SessionTimers {
  readonly #run: (task: () => Promise<void> | void) => void;
  readonly #live = new Set<Handle>();
  readonly #named = new Map<string, Handle>();

  constructor(run: (task: () => Promise<void> | void) => void) {
    this.#run = run;
  }

  /** Run `task` after `ms`; a `name` replaces any pending timer of that name. */
  after(ms: number, task: () => Promise<void> | void, name?: string): void {
    if (name !== undefined) this.#cancel(name);
    const t: Handle = setTimeout(() => {
      this.#live.delete(t);
      if (name !== undefined && this.#named.get(name) === t) this.#named.delete(name);
      this.#run(task);
    }, ms);
    (t as { unref?: () => void }).unref?.();
    this.#live.add(t);
    if (name !== undefined) this.#named.set(name, t);
  }

  /** Cancel everything (close). */
  clear(): void {
    for (const t of this.#live) clearTimeout(t);
    this.#live.clear();
    this.#named.clear();
  }

  #cancel(name: string): void {
    const t = this.#named.get(name);
    if (t === undefined) return;
    clearTimeout(t);
    this.#live.delete(t);
    this.#named.delete(name);
  }
}
