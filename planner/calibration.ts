/**
 * The planner corrects its own cost model [ours]: every predictions message carries the stage times
 * the data source measured (worker/tasks/frame-meta.ts); the plan carries the same stages as
 * predicted (cost-stages.ts), split into compute and transfer. The gap between them moves one
 * factor per device (compute) or per link (transfer), an exponentially weighted average in log space
 * toward the factor that would have predicted the measurement. The next plan divides the device's
 * speeds and link rate by its factors; `bridge/request/info` shows them.
 */
import type { PlanDevice, PlanDoc, StagePrediction } from '../shared/plan/types.ts';
import { scaleProfile } from '../shared/plan/speed-profile.ts';

export interface CalibrationOptions {
  /** Weight of one frame's evidence (default 0.2: about five frames to move most of the way). */
  readonly alpha?: number;
  /** Factors stay within [1/limit, limit] (default 20), so one odd frame cannot wreck a plan. */
  readonly limit?: number;
}

export interface CalibrationSnapshot {
  readonly compute: Record<string, number>;
  readonly link: Record<string, number>;
  readonly frames: number;
}

type Factors = Map<string, number>;

/** Stage kinds as predictions group them by default (worker/tasks/frame-meta.ts stageGroup; not imported: planner and worker share no code but shared/). */
const group = (kind: string): string => (kind === 'ingest' || kind === 'ftp' || kind === 'head' ? kind : 'tail');

/** The predicted stages summed by kind, for predictions that carry `stages` per kind (no `--debug` detail). */
export function groupedPredictions(plan: PlanDoc): StagePrediction[] {
  const kinds = new Map(plan.stages.map((s) => [s.id, s.kind]));
  const sums = new Map<string, { ms: number; computeMs: number; transferMs: number; workers: Set<string> }>();
  for (const p of plan.predicted?.stages ?? []) {
    const g = group(kinds.get(p.stage) ?? 'tail');
    const s = sums.get(g) ?? { ms: 0, computeMs: 0, transferMs: 0, workers: new Set<string>() };
    s.ms += p.ms;
    s.computeMs += p.computeMs;
    s.transferMs += p.transferMs;
    for (const w of p.workers) s.workers.add(w);
    sums.set(g, s);
  }
  return [...sums].map(([stage, s]) => ({ stage, ms: s.ms, computeMs: s.computeMs, transferMs: s.transferMs, workers: [...s.workers] }));
}

export class Calibration {
  readonly #alpha: number;
  readonly #limit: number;
  readonly #compute: Factors = new Map();
  readonly #link: Factors = new Map();
  /** The factors the current plan was predicted with, by plan id. */
  #planned: { planId: string; compute: Factors; link: Factors } | undefined;
  #frames = 0;

  constructor(o: CalibrationOptions = {}) {
    this.#alpha = o.alpha ?? 0.2;
    this.#limit = o.limit ?? 20;
  }

  /** The devices as the next plan should see them: speeds and link rates divided by their factors. */
  apply(devices: readonly PlanDevice[]): PlanDevice[] {
    return devices.map((d) => {
      const c = this.#compute.get(d.id) ?? 1, l = this.#link.get(d.id) ?? 1;
      if (c === 1 && l === 1) return d;
      return { ...d, speed: d.speed / c, linkBps: d.linkBps / l, ...(d.profile ? { profile: scaleProfile(d.profile, c) } : {}) };
    });
  }

  /** Remember the factors `plan` was predicted with (call after planning with apply()). */
  planned(plan: PlanDoc): void {
    this.#planned = { planId: plan.planId, compute: new Map(this.#compute), link: new Map(this.#link) };
  }

  /** One frame's measured stage times for `plan`: a predictions message's `latencyMs.detail` (per stage) or `stages` (per kind). */
  observe(plan: PlanDoc, measured: readonly { stage: string; ms: number }[]): void {
    const at = this.#planned;
    if (!at || at.planId !== plan.planId || !plan.predicted?.stages) return;
    const got = new Map(measured.map((s) => [s.stage, s.ms]));
    const perStage = plan.stages.some((s) => got.has(s.id) && s.id !== s.kind);
    let used = false;
    for (const p of perStage ? plan.predicted.stages : groupedPredictions(plan)) {
      const m = got.get(p.stage);
      if (m === undefined || p.ms < 0.5) continue;
      // Blame the larger part: the factor that alone would have predicted the measurement.
      const compute = p.computeMs >= p.transferMs;
      const part = compute ? p.computeMs : p.transferMs, rest = p.ms - part;
      if (part <= 0) continue;
      const ratio = Math.max(m - rest, 0.05 * part) / part;
      for (const w of p.workers) this.#move(compute ? this.#compute : this.#link, w, (compute ? at.compute : at.link).get(w) ?? 1, ratio);
      used = true;
    }
    if (used) this.#frames++;
  }

  #move(f: Factors, id: string, planned: number, ratio: number): void {
    const target = Math.min(this.#limit, Math.max(1 / this.#limit, planned * ratio));
    const now = f.get(id) ?? 1;
    f.set(id, Math.exp((1 - this.#alpha) * Math.log(now) + this.#alpha * Math.log(target)));
  }

  /** Per device, today's factors over those the current plan was predicted with (planner/drift.ts). */
  ratios(): Map<string, { compute: number; link: number }> {
    const at = this.#planned;
    const ids = new Set([...this.#compute.keys(), ...this.#link.keys()]);
    const ratio = (now: Factors, then: Factors | undefined, id: string) => (now.get(id) ?? 1) / (then?.get(id) ?? 1);
    return new Map([...ids].map((id) => [id, { compute: ratio(this.#compute, at?.compute, id), link: ratio(this.#link, at?.link, id) }]));
  }

  snapshot(): CalibrationSnapshot {
    const round = (m: Factors): Record<string, number> => Object.fromEntries([...m].map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
    return { compute: round(this.#compute), link: round(this.#link), frames: this.#frames };
  }
}
