/**
 * The top-level planner: model + devices + objective → partition spec → plan document.
 *
 * comm / memory (the paper's flow): the FTP boundary is ILP-2's memory breakpoint (PAPER §5,
 * normalised, moved to the nearest legal boundary at or after it) unless fixed, the grid is 5×5
 * (PAPER §2.1), and the tail is ILP-1's optimum (PAPER §4, chain DP; HiGHS as cross-check) or the
 * all-LOP baseline, whichever the objective prefers. latency [ours, PAPER §6]: every legal boundary ×
 * square grids 1..6 × both tails, ranked by the predicted latency. Memory capacities are hard
 * constraints (PAPER §12.2): when no candidate fits, the search widens to every boundary and grid,
 * and if still nothing fits it fails naming the device and the bytes missing.
 */
import type { Model } from '../../shared/model/ir.ts';
import { PlanInfeasibleError } from '../../shared/errors.ts';
import type { PlanDevice, PlanDoc } from '../../shared/plan/types.ts';
import { buildPlan, type BuildOptions } from '../plan/build.ts';
import { legalFtpLayers, validateFtp, type PartitionSpec } from '../plan/spec.ts';
import { DEFAULT_LATENCY, planCost, toPrediction, type LatencyParams, type PlanCost } from '../cost.ts';
import type { BreakpointSearch } from '../optimize/ilp2.ts';
import { ftpLayersFor, gridChoices, heterogeneous, memoryBreakpoint, type TailChoice } from './candidates.ts';
import { compareCosts, metricValue, parseObjective, shortfalls, type Metric } from './objective.ts';
import { checkBreakpoint, crossCheckedTails, type TailSolver } from './tails.ts';
import { pinTails, type TailPin } from './pin.ts';

export interface ChooseOptions {
  /** `comm` (default), `memory`, `latency`, or a lexicographic list such as `latency,comm`. */
  readonly objective?: string;
  /** Fix the FTP stack to layers 0..K−1 (0: no FTP), as the authors did (PAPER §7.1). */
  readonly ftpLayers?: number;
  readonly grid?: { readonly rows: number; readonly cols: number };
  /** ILP-1 solver: the exact chain DP, or HiGHS cross-checked against it. */
  readonly solver?: TailSolver;
  readonly dtype?: 'float32' | 'float16' | 'int8';
  readonly dataSource?: string;
  readonly latency?: LatencyParams;
  readonly build?: BuildOptions;
  /** Latency objective: every boundary × grid × tail instead of the two-pass search. */
  readonly exhaustive?: boolean;
  /** Pin the tail to a baseline (pin.ts); default `auto`, the objective's choice. */
  readonly tail?: TailPin;
}

/** One evaluated candidate. */
export interface Candidate {
  readonly label: string;
  readonly ftpLayers: number;
  readonly grid?: string;
  readonly tail: TailChoice;
  readonly spec: PartitionSpec;
  readonly plan: PlanDoc;
  readonly cost: PlanCost;
}

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
}

interface Ctx {
  readonly model: Model;
  readonly devices: readonly PlanDevice[];
  readonly opts: ChooseOptions;
  readonly metrics: readonly Metric[];
  readonly tails: (k: number) => Promise<TailChoice[]>;
  /** Why candidates could not be built (too small a map for the grid, too few channels), for the error. */
  readonly errors: string[];
}

function specOf(ctx: Ctx, k: number, grid: ReturnType<typeof gridChoices>[number] | undefined, tail: TailChoice): PartitionSpec {
  const { devices, opts } = ctx;
  return {
    devices, dataSource: opts.dataSource, tail: tail.tail, dtype: opts.dtype,
    ftp: k > 0 && grid ? { layers: k, grid: grid.grid, ...(grid.rowShares ? { rowShares: grid.rowShares } : {}) } : undefined,
    // PAPER §12.1: channel ranges in proportion to device speed.
    shares: heterogeneous(devices) ? devices.map((d) => d.speed) : undefined,
    objective: ctx.metrics.join(','),
  };
}

interface Pool {
  /** Square grids 1..6 instead of the default grid. */
  readonly search: boolean;
  /** Only the first tail (fused when it fits), for the latency search's first pass. */
  readonly firstTail?: boolean;
  /** Labels already evaluated. */
  readonly seen: Set<string>;
}

async function evaluate(ctx: Ctx, ks: readonly number[], pool: Pool): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const seen = pool.seen;
  for (const k of ks) {
    const grids = k > 0 ? gridChoices(ctx.model, k, ctx.devices, { fixed: ctx.opts.grid, search: pool.search }) : [undefined];
    // Keeping the tail on the data source trivially minimises bytes; it competes only on latency.
    const tails = (await ctx.tails(k)).filter((t) => t.label !== 'source' || ctx.metrics[0] === 'latency');
    if (tails.length === 0) ctx.errors.push(`planner: the tail from layer ${k} has a weight layer with fewer channels than ${ctx.devices.length} devices (PAPER §3.2 splits channels)`);
    for (const tail of pool.firstTail ? tails.slice(0, 1) : tails) {
      for (const g of grids) {
        const label = `FTP ${k > 0 ? `0..${k - 1} ${g!.label}` : 'none'}, ${tail.label}`;
        if (seen.has(label)) continue;
        seen.add(label);
        const spec = specOf(ctx, k, g, tail);
        let plan: PlanDoc;
        try {
          plan = buildPlan(ctx.model, spec, ctx.opts.build);
        } catch (e) {
          if (!(e instanceof PlanInfeasibleError) && !/^(tiles|channels|partition): /.test((e as Error).message)) throw e;
          ctx.errors.push((e as Error).message);
          continue;
        }
        const cost = planCost(ctx.model, plan, ctx.opts.latency ?? DEFAULT_LATENCY);
        out.push({ label, ftpLayers: k, grid: g?.label, tail, spec, plan, cost });
      }
    }
  }
  return out;
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

function best(cands: readonly Candidate[], metrics: readonly Metric[]): Candidate | undefined {
  const fits = cands.filter((c) => shortfalls(c.cost).length === 0);
  return fits.reduce<Candidate | undefined>((b, c) => (b === undefined || compareCosts(c.cost, b.cost, metrics) < 0 ? c : b), undefined);
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
  if (ctx.metrics[0] === 'latency') return { ks: [0, ...legal] };
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
  const latency = metrics[0] === 'latency';
  const { ks, breakpoint } = await boundaries(ctx, legal);
  const seen = new Set<string>();
  let candidates = latency ? await latencySearch(ctx, ks, seen) : await evaluate(ctx, ks, { search: false, seen });
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
  const plan: PlanDoc = { ...chosen.plan, predicted: toPrediction(chosen.cost) };
  return {
    chosen: { ...chosen, plan }, metrics, solver: tails.solverName, solveMs: performance.now() - t0,
    optimal: !latency && !widened && tails.proven && ['auto', 'fused'].includes(opts.tail ?? 'auto'),
    objectiveValue: metricValue(chosen.cost, metrics[0]!), breakpoint, candidates, widened,
  };
}
