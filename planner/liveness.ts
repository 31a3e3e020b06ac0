/**
 * Worker liveness beyond the Last Will (issue 14 §1): a worker that hangs (frozen, swapping, a
 * half-open TCP connection the broker has not noticed yet) keeps its retained `online` state, but
 * stops its stats, which go out at least every 10 s (worker/stats-gate.ts). A worker not heard
 * from for `timeoutMs` counts as gone; it counts again as soon as it is heard from.
 */
export class Liveness {
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #lastSeen = new Map<string, number>();
  /** Workers declared gone by silence (not by their will). */
  readonly #silent = new Set<string>();

  constructor(ctx: { timeoutMs: number; now?: () => number }) {
    this.#timeoutMs = ctx.timeoutMs;
    this.#now = ctx.now ?? Date.now;
  }

  /** A message from `id`; true when it had been declared gone by silence (it is back). */
  seen(id: string): boolean {
    this.#lastSeen.set(id, this.#now());
    return this.#silent.delete(id);
  }

  /** Forget `id` (its will said offline). */
  forget(id: string): void {
    this.#lastSeen.delete(id);
    this.#silent.delete(id);
  }

  /** Of `online`, those silent for longer than the timeout (each reported once until seen again). */
  expired(online: readonly string[]): string[] {
    const now = this.#now();
    const out = online.filter((id) => !this.#silent.has(id) && now - (this.#lastSeen.get(id) ?? now) > this.#timeoutMs);
    for (const id of out) this.#silent.add(id);
    for (const id of online) if (!this.#lastSeen.has(id)) this.#lastSeen.set(id, now);
    return out;
  }
}
