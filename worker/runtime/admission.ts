/**
 * Admission: before a worker adopts a plan it checks that its part fits its memory budget
 * (weights of its slices + the largest task's working set). A plan that doesn't fit is refused
 * with the numbers, never half-run (DESIGN.md "The plan document").
 */
import type { Model } from '../../shared/model/ir.ts';
import { nodeInputs } from '../../shared/model/ir.ts';
import type { NodeRun, PlanDoc } from '../../shared/plan/types.ts';
import { selVolume } from '../../shared/plan/sel.ts';

/** Elements of the weight slice a run holds (kernel + per-output vectors). */
function sliceElements(model: Model, run: NodeRun): number {
  const node = model.nodes[run.node]!;
  if (node.kind !== 'conv2d' && node.kind !== 'dense') return 0;
  const inC = nodeInputs(model, node)[0]!;
  const outs = node.kind === 'dense' ? node.units : node.out.c;
  const fullIn = node.kind === 'dense' ? inC.h * inC.w * inC.c : node.size[0] * node.size[1] * (inC.c / node.groups);
  const outFrac = run.outChannels ? (run.outChannels.c1 - run.outChannels.c0) / outs : 1;
  const inFrac = run.inChannels ? (run.inChannels.c1 - run.inChannels.c0) / inC.c : 1;
  return Math.round(fullIn * inFrac * outs * outFrac) + Math.round(outs * outFrac) * (node.batchNorm ? 4 : 1);
}

export function planFootprint(plan: PlanDoc, model: Model, worker: string): { weightBytes: number; activationBytes: number } {
  const tasks = plan.stages.flatMap((s) => s.tasks).filter((t) => t.worker === worker);
  const seen = new Set<string>();
  let weights = 0, activations = 0;
  for (const t of tasks) {
    for (const r of t.runs) {
      const key = `${r.node}|${r.outChannels?.c0},${r.outChannels?.c1}|${r.inChannels?.c0},${r.inChannels?.c1}`;
      if (!seen.has(key)) weights += sliceElements(model, r);
      seen.add(key);
    }
    const needs = t.needs.reduce((a, n) => a + selVolume(n.sel), 0);
    const outs = t.runs.reduce((a, r) => {
      const c = r.outChannels ? r.outChannels.c1 - r.outChannels.c0 : model.nodes[r.node]!.out.c;
      return Math.max(a, (r.region.y1 - r.region.y0) * (r.region.x1 - r.region.x0) * c);
    }, 0);
    activations = Math.max(activations, needs + 2 * outs);
  }
  return { weightBytes: 4 * weights, activationBytes: 4 * activations };
}

/** undefined when the worker's part of `plan` fits `memoryBytes`, else why not. */
export function checkPlanFits(ctx: { plan: PlanDoc; model: Model; worker: string; memoryBytes: number }): string | undefined {
  const f = planFootprint(ctx.plan, ctx.model, ctx.worker);
  const need = f.weightBytes + f.activationBytes;
  if (need <= ctx.memoryBytes) return undefined;
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return `worker ${ctx.worker}: plan ${ctx.plan.planId} needs ${mb(need)} MB (weights ${mb(f.weightBytes)} MB + activations ${mb(f.activationBytes)} MB) but has ${mb(ctx.memoryBytes)} MB (${mb(need - ctx.memoryBytes)} MB missing)`;
}
