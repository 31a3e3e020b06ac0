/**
 * Predicted per-stage times in the form the data source measures them (worker/runtime/frame-meta.ts
 * stageLatencies): a stage is marked when the last of its pieces the data source consumes arrives
 * there (the head stage: when the head task ends), and each stage's time is its mark minus the
 * latest earlier mark. Stages the data source never hears from have no entry, as in the measurement,
 * so planner/calibration.ts can compare the two stage by stage.
 */
import type { PlanDoc, StagePrediction } from '../shared/plan/types.ts';

export interface TaskTimes {
  readonly end: number;
  readonly computeMs: number;
}

export function stagePredictions(plan: PlanDoc, tasks: ReadonlyMap<string, TaskTimes>, arrival: ReadonlyMap<string, ReadonlyMap<string, number>>): StagePrediction[] {
  const src = plan.dataSource;
  const out: StagePrediction[] = [];
  let prev = 0;
  for (const s of plan.stages) {
    let mark: number | undefined;
    if (s.kind === 'head') mark = tasks.get(s.tasks[0]!.id)?.end;
    for (const t of s.tasks) {
      for (const p of t.outputs) {
        const at = arrival.get(p)?.get(src);
        if (at !== undefined) mark = Math.max(mark ?? 0, at);
      }
    }
    if (mark === undefined) continue;
    const ms = Math.max(0, mark - prev);
    prev = Math.max(prev, mark);
    const computeMs = Math.min(ms, Math.max(0, ...s.tasks.map((t) => tasks.get(t.id)?.computeMs ?? 0)));
    const round = (x: number): number => Math.round(x * 10) / 10;
    out.push({ stage: s.id, ms: round(ms), workers: [...new Set(s.tasks.map((t) => t.worker))], computeMs: round(computeMs), transferMs: round(ms - computeMs) });
  }
  return out;
}
