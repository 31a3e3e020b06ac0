/**
 * Admission: before a worker adopts a plan it checks that its part fits its memory budget, counted
 * exactly as the planner's cost model counts it (shared/plan/footprint.ts: the weight slices it
 * holds + its peak live activations, halos included). A plan that doesn't fit is refused with the
 * numbers, never half-run (DESIGN.md "The plan document").
 */
import type { Model } from '../../shared/model/ir.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { peakActivationPerDevice, pieceConsumers, weightBytesPerDevice } from '../../shared/plan/footprint.ts';

export function planFootprint(plan: PlanDoc, model: Model, worker: string): { weightBytes: number; activationBytes: number } {
  return {
    weightBytes: weightBytesPerDevice(model, plan).get(worker) ?? 0,
    activationBytes: peakActivationPerDevice(model, plan, pieceConsumers(plan)).get(worker) ?? 0,
  };
}

/** undefined when the worker's part of `plan` fits `memoryBytes`, else why not. */
export function checkPlanFits(ctx: { plan: PlanDoc; model: Model; worker: string; memoryBytes: number }): string | undefined {
  const f = planFootprint(ctx.plan, ctx.model, ctx.worker);
  const need = f.weightBytes + f.activationBytes;
  if (need <= ctx.memoryBytes) return undefined;
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return `worker ${ctx.worker}: plan ${ctx.plan.planId} needs ${mb(need)} MB (weights ${mb(f.weightBytes)} MB + activations ${mb(f.activationBytes)} MB) but has ${mb(ctx.memoryBytes)} MB (${mb(need - ctx.memoryBytes)} MB missing)`;
}
