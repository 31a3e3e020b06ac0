/**
 * Re-plan on calibration drift [ours, issue 13 §2]: the calibration factors (calibration.ts) move
 * while a plan runs; once the current plan, predicted again with today's factors, is clearly worse
 * than the best plan the factors now suggest, the planner switches. Hysteresis keeps it from
 * flapping: the candidate must be `minGain` better (default 15 %), the plan must have run
 * `minIntervalMs` (default a minute) and seen `minFrames` frames, and checks are at most that often.
 * A switch drops the frames in flight with a coded error (worker/runtime/plan-runtime.ts stop).
 */
import type { PlanDoc } from '../shared/plan/types.ts';

export interface DriftOptions {
  /** Relative gain a candidate must predict over the current plan (default 0.15). */
  readonly minGain?: number;
  /** Least time between a plan and the next check or switch (default 60 s). */
  readonly minIntervalMs?: number;
  /** Frames observed under the current plan before its factors are trusted (default 5). */
  readonly minFrames?: number;
}

/** Per device: today's factor over the one the plan was predicted with (compute and link). */
export type FactorRatios = ReadonlyMap<string, { readonly compute: number; readonly link: number }>;

/**
 * The current plan's latency predicted with today's factors: each stage's compute part scaled by the
 * largest compute ratio among the devices that end it, its transfer part by the largest link ratio.
 */
export function correctedLatency(plan: PlanDoc, ratios: FactorRatios): number | undefined {
  const stages = plan.predicted?.stages;
  if (!stages) return plan.predicted?.latencyMs;
  let ms = 0;
  for (const s of stages) {
    // A stage ends with its slowest device: scale by the largest ratio among those that end it.
    const r = (k: 'compute' | 'link') => (s.workers.length ? Math.max(...s.workers.map((w) => ratios.get(w)?.[k] ?? 1)) : 1);
    ms += s.computeMs * r('compute') + s.transferMs * r('link');
  }
  return ms;
}

/** Same stages, tasks on the same workers and same pieces: a switch to it would change nothing but the id. */
export function samePlanShape(a: PlanDoc, b: PlanDoc): boolean {
  const shape = (p: PlanDoc) => JSON.stringify([p.dataSource, p.stages.map((s) => [s.id, s.kind, s.tasks.map((t) => [t.id, t.worker, t.runs])]), p.pieces.map((x) => [x.id, x.worker, x.dtype])]);
  return shape(a) === shape(b);
}

export interface DriftInput {
  /** The current plan's corrected latency (correctedLatency). */
  readonly currentMs: number;
  /** The best candidate's latency, predicted with today's factors. */
  readonly candidateMs: number;
}

export interface DriftDecision { readonly replan: boolean; readonly reason: string }

/** Switch when the candidate is more than `minGain` faster than the current plan (pure). */
export function driftDecision(i: DriftInput, o: DriftOptions = {}): DriftDecision {
  const gain = o.minGain ?? 0.15;
  const better = i.currentMs > 0 ? 1 - i.candidateMs / i.currentMs : 0;
  const what = `current plan ${Math.round(i.currentMs)} ms with the calibrated speeds, best candidate ${Math.round(i.candidateMs)} ms (${(better * 100).toFixed(0)} % faster)`;
  return better > gain ? { replan: true, reason: `re-plan on calibration drift: ${what}` } : { replan: false, reason: `no re-plan: ${what}, under the ${(gain * 100).toFixed(0)} % threshold` };
}

/** When a drift check is due: a plan old enough, with enough frames, and no check in the last interval. */
export class DriftWatch {
  readonly #o: DriftOptions;
  #since = 0;
  #frames = 0;
  #checked = -Infinity;

  constructor(o: DriftOptions = {}) {
    this.#o = o;
  }

  /** A new plan was adopted at `now` (ms). */
  planned(now: number): void {
    this.#since = now;
    this.#frames = 0;
  }

  observed(): void {
    this.#frames++;
  }

  due(now: number): boolean {
    const every = this.#o.minIntervalMs ?? 60_000;
    return this.#frames >= (this.#o.minFrames ?? 5) && now - this.#since >= every && now - this.#checked >= every;
  }

  checked(now: number): void {
    this.#checked = now;
  }
}
