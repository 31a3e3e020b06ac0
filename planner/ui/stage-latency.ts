/**
 * Predicted time at which each stage of a plan is done, for the waterfall's "predicted" bars. The
 * latency model (cost-latency.ts, PAPER §6 [ours]) schedules tasks in plan order, so the timeline of
 * the first k stages is exactly the full timeline cut after stage k: its latency is stage k's end.
 */
import type { Model } from '../../shared/model/ir.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { planTimeline, taskFlops, DEFAULT_LATENCY, type LatencyParams } from '../cost-latency.ts';
import { planTraffic } from '../cost-traffic.ts';
import type { StageTimes } from './plan-view.ts';

const r1 = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * Stage id → predicted end (ms after the frame arrives; monotone in plan order) and the compute time
 * of the stage's slowest task: what is left of the stage's share is waiting for the network.
 */
export function predictedStageTimes(model: Model, plan: PlanDoc, params: LatencyParams = DEFAULT_LATENCY): StageTimes {
  const traffic = planTraffic(plan);
  const speed = new Map(plan.devices.map((d) => [d.id, d.speed]));
  const out: Record<string, { endMs: number; computeMs: number }> = {};
  let prev = 0;
  for (let k = 1; k <= plan.stages.length; k++) {
    const stage = plan.stages[k - 1]!;
    prev = Math.max(prev, planTimeline(model, { ...plan, stages: plan.stages.slice(0, k) }, traffic, params).latencyMs);
    const computeMs = Math.max(0, ...stage.tasks.map((t) => taskFlops(model, t) / ((speed.get(t.worker) ?? 1) * 1e6)));
    out[stage.id] = { endMs: r1(prev), computeMs: r1(computeMs) };
  }
  return out;
}
