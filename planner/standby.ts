/**
 * Standby plans (issue 14 §1: from a worker's death to the next prediction in ≤ 2 s + one frame).
 * Planning takes seconds on a small board (the latency search), longer than that budget; so after
 * each plan the planner computes, in the background, the plan for each set of survivors that losing
 * one worker would leave, and keeps the plans it published. A re-plan for a set seen before
 * publishes a copy with a new plan id at once (pieces of the old plan stay ignored by id). A standby
 * plan is as calibrated as the plan it was made beside; the next change of the set plans afresh.
 */
import { randomUUID } from 'node:crypto';
import type { PlanDevice, PlanDoc } from '../shared/plan/types.ts';

const MAX_KEPT = 16;

export class StandbyPlans {
  readonly #plans = new Map<string, PlanDoc>();
  #work: Promise<void> = Promise.resolve();
  #generation = 0;

  static key(devices: readonly PlanDevice[], objective: string | undefined): string {
    return `${objective ?? ''}|${devices.map((d) => d.id).join(',')}`;
  }

  /** A fresh copy (new plan id) of the plan kept for exactly these devices, if any. */
  take(devices: readonly PlanDevice[], objective: string | undefined): PlanDoc | undefined {
    const p = this.#plans.get(StandbyPlans.key(devices, objective));
    return p && { ...p, planId: randomUUID(), createdAt: new Date().toISOString() };
  }

  remember(devices: readonly PlanDevice[], objective: string | undefined, plan: PlanDoc): void {
    const key = StandbyPlans.key(devices, objective);
    this.#plans.delete(key);
    this.#plans.set(key, plan);
    while (this.#plans.size > MAX_KEPT) this.#plans.delete(this.#plans.keys().next().value!);
  }

  /**
   * Plan each of `sets` not kept yet, one after another, after `delayMs` (the workers load the
   * plan just published first, and compete less for the CPU); a newer call supersedes an older one.
   */
  prepare(sets: readonly PlanDevice[][], objective: string | undefined, plan: (devices: PlanDevice[]) => Promise<PlanDoc>, delayMs = 3000): void {
    const gen = ++this.#generation;
    this.#work = this.#work.then(async () => {
      await new Promise((r) => setTimeout(r, delayMs).unref());
      for (const devices of sets) {
        if (gen !== this.#generation) return;
        if (this.#plans.has(StandbyPlans.key(devices, objective))) continue;
        try {
          this.remember(devices, objective, await plan(devices));
        } catch {
          // Infeasible for these survivors: the re-plan will say so when it happens.
        }
        await new Promise((r) => setImmediate(r));
      }
    });
  }

  /** Resolves when background planning is idle (tests, stop). */
  idle(): Promise<void> {
    return this.#work;
  }
}
