/**
 * Building and pricing candidate plans for the top-level planner (choose.ts): a boundary × grid ×
 * tail becomes a partition spec, a plan document and its cost; plans the builder refuses are
 * remembered with their reason for the "no legal plan" error.
 */
import type { Model } from '../../shared/model/ir.ts';
import { PlanInfeasibleError } from '../../shared/errors.ts';
import type { PlanDevice, PlanDoc } from '../../shared/plan/types.ts';
import { buildPlan, type BuildOptions } from '../plan/build.ts';
import type { PartitionSpec } from '../plan/spec.ts';
import { DEFAULT_LATENCY, planCost, type LatencyParams, type PlanCost } from '../cost.ts';
import { gridChoices, heterogeneous, type GridChoice, type TailChoice } from './candidates.ts';
import { compareCosts, runtimeObjective, shortfalls, type Metric } from './objective.ts';
import { mixedTail } from './mixed-tail.ts';
import type { TailPin } from './pin.ts';
import { DTYPE_BYTES } from '../../shared/wire/elements.ts';

export interface ChooseOptions {
  /** `comm` (the library default, the paper's), `memory`, `latency`, `fps`, or a list such as `latency,comm`. */
  readonly objective?: string;
  /** Fix the FTP stack to layers 0..K−1 (0: no FTP), as the authors did (PAPER §7.1). */
  readonly ftpLayers?: number;
  readonly grid?: { readonly rows: number; readonly cols: number };
  /** ILP-1 solver: the exact chain DP, or HiGHS cross-checked against it. */
  readonly solver?: 'dp' | 'highs';
  readonly dtype?: 'float32' | 'float16' | 'int8';
  /** Pins the data source; otherwise the first device, or for a one-device plan the fastest. */
  readonly dataSource?: string;
  readonly latency?: LatencyParams;
  readonly build?: BuildOptions;
  /** Latency objective: every boundary × grid × tail instead of the two-pass search. */
  readonly exhaustive?: boolean;
  /** Run-time objectives: also weigh subsets of the devices and one device alone (default true). */
  readonly subsets?: boolean;
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

export interface Ctx {
  readonly model: Model;
  readonly devices: readonly PlanDevice[];
  readonly opts: ChooseOptions;
  readonly metrics: readonly Metric[];
  readonly tails: (k: number) => Promise<TailChoice[]>;
  /** Why candidates could not be built (too small a map for the grid), for the error. */
  readonly errors: string[];
  /** Put before every label, e.g. "3 of 6 devices: " for a subset. */
  readonly prefix?: string;
}

export interface Pool {
  /** Square grids 1..6 instead of the default grid. */
  readonly search: boolean;
  /** Only the first tail (fused when it fits), for the latency search's first pass. */
  readonly firstTail?: boolean;
  /** Labels already evaluated. */
  readonly seen: Set<string>;
}

function specOf(ctx: Ctx, k: number, grid: GridChoice | undefined, tail: TailChoice): PartitionSpec {
  const { devices, opts } = ctx;
  return {
    devices, dataSource: opts.dataSource ?? devices[0]?.id, tail: tail.tail, dtype: opts.dtype,
    ftp: k > 0 && grid ? { layers: k, grid: grid.grid, ...(grid.rowShares ? { rowShares: grid.rowShares } : {}) } : undefined,
    // PAPER §12.1: channel ranges in proportion to device speed.
    shares: heterogeneous(devices) ? devices.map((d) => d.speed) : undefined,
    objective: ctx.metrics.join(','),
  };
}

/** The tails for boundary k: ILP-1's (fused, unfused, source) and, for run-time objectives, the mixed one. */
async function tailsAt(ctx: Ctx, k: number): Promise<TailChoice[]> {
  const runtime = runtimeObjective(ctx.metrics);
  // Keeping the tail on the data source trivially minimises bytes; it competes only on run time.
  const tails = (await ctx.tails(k)).filter((t) => t.label !== 'source' || runtime);
  if (!runtime || (ctx.opts.tail ?? 'auto') !== 'auto' || ctx.devices.length < 2 || k >= ctx.model.nodes.length) return tails;
  const bytesPerElement = DTYPE_BYTES[ctx.opts.dtype ?? 'float32'];
  const tail = mixedTail({ model: ctx.model, devices: ctx.devices, latency: ctx.opts.latency ?? DEFAULT_LATENCY, bytesPerElement }, k);
  const same = (t: TailChoice): boolean => Object.entries(tail).every(([l, p]) => t.tail[Number(l)] === p);
  if (tails.some(same)) return tails;
  const none = ctx.model.nodes.slice(k).map(() => '-' as const);
  return [...tails, { label: 'mixed', tail, solution: { types: none, costElements: 0, bytes: 0, optima: [none], optimaCount: 1 }, restricted: false }];
}

function build(ctx: Ctx, spec: PartitionSpec): PlanDoc | undefined {
  try {
    return buildPlan(ctx.model, spec, ctx.opts.build);
  } catch (e) {
    if (!(e instanceof PlanInfeasibleError) && !/^(tiles|channels|partition): /.test((e as Error).message)) throw e;
    ctx.errors.push((e as Error).message);
    return undefined;
  }
}

export async function evaluate(ctx: Ctx, ks: readonly number[], pool: Pool): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const k of ks) {
    const grids = k > 0 ? gridChoices(ctx.model, k, ctx.devices, { fixed: ctx.opts.grid, search: pool.search }) : [undefined];
    const tails = await tailsAt(ctx, k);
    if (tails.length === 0) ctx.errors.push(`planner: no tail type fits ${ctx.devices.length} devices from layer ${k}`);
    for (const tail of pool.firstTail ? tails.slice(0, 1) : tails) {
      for (const g of grids) {
        const label = `${ctx.prefix ?? ''}FTP ${k > 0 ? `0..${k - 1} ${g!.label}` : 'none'}, ${tail.label}`;
        if (pool.seen.has(label)) continue;
        pool.seen.add(label);
        const spec = specOf(ctx, k, g, tail);
        // Yield between candidates: the planner may share its event loop with the embedded broker (`up`).
        await new Promise((r) => setImmediate(r));
        const plan = build(ctx, spec);
        if (!plan) continue;
        out.push({ label, ftpLayers: k, grid: g?.label, tail, spec, plan, cost: planCost(ctx.model, plan, ctx.opts.latency ?? DEFAULT_LATENCY) });
      }
    }
  }
  return out;
}

/** The best candidate that fits every device's memory (PAPER §12.2: capacities are hard constraints). */
export function best(cands: readonly Candidate[], metrics: readonly Metric[]): Candidate | undefined {
  const fits = cands.filter((c) => shortfalls(c.cost).length === 0);
  return fits.reduce<Candidate | undefined>((b, c) => (b === undefined || compareCosts(c.cost, b.cost, metrics) < 0 ? c : b), undefined);
}
