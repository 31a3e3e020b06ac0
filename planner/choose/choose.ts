/**
 * The top-level planner: model + devices + objective → partition spec → plan document.
 *
 * comm / memory (the paper's flow): the FTP boundary is ILP-2's memory breakpoint (PAPER §5,
 * normalised, moved to the nearest legal boundary at or after it) unless fixed, the grid is 5×5
 * (PAPER §2.1), and the tail is ILP-1's optimum (PAPER §4, chain DP; HiGHS as cross-check) or the
 * all-LOP baseline, whichever the objective prefers. latency / fps [ours, PAPER §6]: every legal
 * boundary × square grids 1..6 × the tails (evaluate.ts), then fewer devices and each device alone
 * (pays.ts), ranked by the predicted latency or pipelined throughput. Memory capacities are hard
 * constraints (PAPER §12.2): when no candidate fits, the search widens to every boundary and grid,
 * and if still nothing fits it fails naming the device and the bytes missing.
 */
import type { Model } from '../../shared/model/ir.ts';
import { PlanInfeasibleError } from '../../shared/errors.ts';
import type { PlanDevice, PlanDoc } from '../../shared/plan/types.ts';
import { legalFtpLayers, validateFtp } from '../plan/spec.ts';
import { toPrediction } from '../cost.ts';
import type { BreakpointSearch } from '../optimize/ilp2.ts';
import { ftpLayersFor, memoryBreakpoint } from './candidates.ts';
import { compareCosts, metricValue, parseObjective, runtimeObjective, shortfalls, type Metric } from './objective.ts';
import { checkBreakpoint, crossCheckedTails } from './tails.ts';
import { best, evaluate, type Candidate, type ChooseOptions, type Ctx } from './evaluate.ts';
import { fewerDevices, fewestDevices, reasonFor } from './pays.ts';
import { pinTails } from './pin.ts';

export type { Candidate, ChooseOptions } from './evaluate.ts';

export interface Choice {
  readonly chosen: Candidate;
  readonly metrics: readonly Metric[];
  readonly solver: string;
  readonly solveMs: number;
  /** The tail is a proven ILP-1 optimum and the boundary ILP-2's (or the user's), with no fallback. */
  readonly optimal: boolean;
  readonly objectiveValue: number;
  /** ILP-2's answer when the boundary was not fixed. */
  readonly breakpoint?: BreakpointSearch & { readonly ftpLayers: number };
  readonly candidates: readonly Candidate[];
  /** Candidates examined after the first pool failed the memory caps. */
  readonly widened: boolean;
  /** Run-time objectives: why this many devices (also the plan's `reason`). */
  readonly reason?: string;
  /** Devices offered (the plan may use fewer). */
  readonly offered: number;
}

/**
 * PAPER §6 [ours]: the latency search. Every boundary with the fused tail on the default grid first,
 * then every square grid 1..6 × both tails for the best three boundaries: the grid changes only the
 * FTP stage and the tail only the weight-partitioned stages, so this finds the exhaustive search's
 * answer (`exhaustive: true`; compared in test/unit/planner.test.ts) at a fraction of the plans built.
 */
async function latencySearch(ctx: Ctx, ks: readonly number[], seen: Set<string>): Promise<Candidate[]> {
  if (ctx.opts.exhaustive) return evaluate(ctx, ks, { search: true, seen });
  const first = await evaluate(ctx, ks, { search: false, firstTail: true, seen });
  const ranked = [...first].sort((a, b) => Number(shortfalls(a.cost).length > 0) - Number(shortfalls(b.cost).length > 0) || compareCosts(a.cost, b.cost, ctx.metrics));
  const top = [...new Set(ranked.map((c) => c.ftpLayers))].slice(0, 3);
  return [...first, ...await evaluate(ctx, top, { search: true, seen })];
}

const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

function infeasible(cands: readonly Candidate[]): never {
  const worst = (c: Candidate): number => shortfalls(c.cost)[0]?.missingBytes ?? 0;
  const c = cands.reduce((b, x) => (worst(x) < worst(b) ? x : b));
  const s = shortfalls(c.cost)[0]!;
  throw new PlanInfeasibleError('memory',
    `planner: device ${s.device} needs ${mb(s.needBytes)} but has ${mb(s.haveBytes)} (${mb(s.missingBytes)} missing) in the best plan (${c.label})`, undefined, s.device);
}

/** The FTP boundaries to try first, and ILP-2's answer when it picked them (PAPER §5). */
async function boundaries(ctx: Ctx, legal: readonly number[]): Promise<{ ks: number[]; breakpoint?: Choice['breakpoint'] }> {
  const { model, devices, opts } = ctx;
  if (opts.ftpLayers !== undefined) {
    // Fail early with the layer and the rule, rather than with "no legal plan".
    if (opts.ftpLayers > 0) validateFtp(model, { layers: opts.ftpLayers, grid: { rows: 1, cols: 1 } });
    return { ks: [opts.ftpLayers] };
  }
  if (runtimeObjective(ctx.metrics)) return { ks: [0, ...legal] };
  const bp = memoryBreakpoint(model, devices.length);
  if (opts.solver === 'highs') await checkBreakpoint(model, devices.length, bp);
  const breakpoint = { ...bp, ftpLayers: ftpLayersFor(bp.breakpoint, legal) };
  return { ks: [breakpoint.ftpLayers], breakpoint };
}

/** Plan `model` on `devices` for the objective. Throws PlanInfeasibleError when no plan fits the memory caps. */
export async function choosePlan(model: Model, devices: readonly PlanDevice[], opts: ChooseOptions = {}): Promise<Choice> {
  const t0 = performance.now();
  const metrics = parseObjective(opts.objective ?? 'comm');
  const tails = crossCheckedTails(model, devices.length, opts.solver ?? 'dp');
  const ctx: Ctx = { model, devices, opts, metrics, tails: pinTails(model, devices.length, opts.tail ?? 'auto', tails.get), errors: [] };
  const legal = legalFtpLayers(model);
  const runtime = runtimeObjective(metrics);
  const { ks, breakpoint } = await boundaries(ctx, legal);
  const seen = new Set<string>();
  let candidates = runtime ? await latencySearch(ctx, ks, seen) : await evaluate(ctx, ks, { search: false, seen });
  // Which devices take part is a decision (pays.ts), unless the user fixed the boundary, grid or tail.
  const weigh = runtime && opts.subsets !== false && devices.length > 1 && opts.ftpLayers === undefined && opts.grid === undefined && (opts.tail ?? 'auto') === 'auto';
  if (weigh) candidates = [...candidates, ...await fewerDevices(ctx, candidates)];
  let chosen = best(candidates, metrics);
  const widened = chosen === undefined;
  if (widened) {
    candidates = [...candidates, ...await evaluate(ctx, opts.ftpLayers !== undefined ? ks : [0, ...legal], { search: true, seen })];
    chosen = best(candidates, metrics);
  }
  if (!chosen) {
    if (candidates.length === 0) {
      throw new PlanInfeasibleError('devices', `planner: no legal plan of ${model.name} for ${devices.length} devices${ctx.errors.length ? `: ${ctx.errors[0]}` : ''}`);
    }
    infeasible(candidates);
  }
  if (runtime) chosen = fewestDevices(chosen, candidates, metrics);
  const reason = weigh ? reasonFor(chosen, candidates, metrics) : undefined;
  const plan: PlanDoc = { ...chosen.plan, ...(reason ? { reason } : {}), predicted: toPrediction(chosen.cost) };
  return {
    chosen: { ...chosen, plan }, metrics, solver: tails.solverName, solveMs: performance.now() - t0,
    optimal: !runtime && !widened && tails.proven && ['auto', 'fused'].includes(opts.tail ?? 'auto'),
    objectiveValue: metricValue(chosen.cost, metrics[0]!), breakpoint, candidates, widened, offered: devices.length, ...(reason ? { reason } : {}),
  };
}
