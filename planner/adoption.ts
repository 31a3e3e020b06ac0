/**
 * Does a planned worker run the plan? (issue 14 §4: a stranger's two retained messages announced a
 * phantom worker; the planner made it the data source, and nothing was predicted, with no error.)
 * Every worker reports the plan it adopted in its stats (worker/service.ts, on change); a planned
 * device that has not reported the current plan id `adoptMs` after it went out is called silent:
 * the planner reports `worker-silent` and plans without it until it is heard from again.
 */
import type { PlanDoc } from '../shared/plan/types.ts';

export interface AdoptionContext {
  /** How long workers have to load the model and adopt a plan (default 30 s). */
  readonly adoptMs?: number;
  /** Planned workers that did not adopt `plan` in time. */
  readonly silent: (workers: string[], plan: PlanDoc) => void;
}

export class AdoptionWatch {
  readonly #ctx: AdoptionContext;
  /** Per worker: the plan id its latest stats named. */
  readonly #adopted = new Map<string, string | null>();
  #timer: NodeJS.Timeout | undefined;

  constructor(ctx: AdoptionContext) {
    this.#ctx = ctx;
  }

  /** A worker's stats (live): which plan it runs. */
  observe(worker: string, plan: string | null): void {
    this.#adopted.set(worker, plan);
  }

  /** A plan went out: check its devices after the grace time. */
  planned(plan: PlanDoc | undefined): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!plan) return;
    this.#timer = setTimeout(() => {
      const silent = plan.devices.map((d) => d.id).filter((id) => this.#adopted.get(id) !== plan.planId);
      if (silent.length) this.#ctx.silent(silent, plan);
    }, this.#ctx.adoptMs ?? 30_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }
}
