/**
 * The soak bench's stop switch: `wait(ms)` sleeps until `ms` passed or `stop()` was called. Each wait
 * leaves nothing behind once it returns. (A first version raced every sleep against one promise that
 * resolves on stop: each race added a reaction to that never-settling promise, two promises and a
 * closure per frame kept for the whole run, in the process whose RSS the bench measures: the soak's
 * own heap snapshots showed +800 promises in 6 minutes.)
 */
export class Stopper {
  #stopped = false;
  readonly #waiters = new Set<() => void>();

  get stopped(): boolean { return this.#stopped; }

  /** Sleeps still waiting (0 once every wait has returned). */
  get pending(): number { return this.#waiters.size; }

  stop(): void {
    this.#stopped = true;
    for (const wake of this.#waiters) wake();
  }

  wait(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.#waiters.add(wake);
    });
  }
}
