/**
 * The planner's watch on the measured stage times: each prediction of the current plan feeds the
 * calibration (calibration.ts), and when a drift check is due (drift.ts) the planner plans again
 * with the corrected speeds and switches only when the candidate is clearly faster.
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { Logger } from '../shared/log.ts';
import type { PlanDevice, PlanDoc } from '../shared/plan/types.ts';
import type { Calibration } from './calibration.ts';
import { correctedLatency, driftDecision, DriftWatch, samePlanShape, type DriftOptions } from './drift.ts';

export interface DriftReplanContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly log: Logger;
  readonly calibration: Calibration;
  /** `false`: measure only, never re-plan. */
  readonly drift?: DriftOptions | false;
  readonly current: () => PlanDoc | undefined;
  readonly objective: () => string | undefined;
  /** The workers online as devices (undefined: none). */
  readonly devices: () => PlanDevice[] | undefined;
  readonly plan: (devices: PlanDevice[]) => PlanDoc | Promise<PlanDoc>;
  /** Runs `candidate` in place of `before` (the planner's adoption). */
  readonly adopt: (candidate: PlanDoc, before: PlanDoc) => Promise<void>;
  /** Queues a check behind the planner's other plan changes, so two never interleave. */
  readonly enqueue: (task: () => Promise<void>) => void;
}

export class DriftReplan {
  readonly #ctx: DriftReplanContext;
  readonly #drift: DriftWatch | undefined;

  constructor(ctx: DriftReplanContext) {
    this.#ctx = ctx;
    this.#drift = ctx.drift === false ? undefined : new DriftWatch(ctx.drift);
  }

  /** A new plan runs from `now` (ms): its frames count afresh. */
  planned(now: number): void {
    this.#drift?.planned(now);
  }

  /** Measured stage times of the current plan's frames feed the calibration (calibration.ts). */
  start(): Promise<Unsubscribe> {
    const { transport: t, topics, calibration } = this.#ctx;
    return topics.subscribe(t, topics.cameraPredictions('+'), (m) => {
      const p = m.payload.ok ? (m.payload.value as { plan?: unknown; latencyMs?: { stages?: unknown; detail?: unknown } }) : undefined;
      const stages = p?.latencyMs?.detail ?? p?.latencyMs?.stages;
      const current = this.#ctx.current();
      if (!current || p?.plan !== current.planId || !Array.isArray(stages)) return;
      calibration.observe(current, stages.filter((s): s is { stage: string; ms: number } => typeof s?.stage === 'string' && typeof s?.ms === 'number'));
      this.#drift?.observed();
      if (!this.#drift?.due(Date.now()) || (this.#ctx.objective() ?? 'latency').split(',')[0]!.trim() !== 'latency') return;
      this.#drift.checked(Date.now());
      this.#ctx.enqueue(() => this.#check());
    });
  }

  /** Plan again with today's factors; switch only when the candidate is clearly faster (drift.ts). */
  async #check(): Promise<void> {
    const current = this.#ctx.current();
    const devices = this.#ctx.devices();
    if (!current || !devices) return;
    const candidate = await this.#ctx.plan(devices);
    const currentMs = correctedLatency(current, this.#ctx.calibration.ratios()), candidateMs = candidate.predicted?.latencyMs;
    if (this.#ctx.current() !== current || currentMs === undefined || candidateMs === undefined || samePlanShape(current, candidate)) return;
    const d = driftDecision({ currentMs, candidateMs }, this.#ctx.drift || {});
    if (!d.replan) return this.#ctx.log.debug(d.reason);
    this.#ctx.log.info(d.reason);
    await this.#ctx.adopt(candidate, current);
  }
}
