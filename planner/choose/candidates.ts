/**
 * The search space of the top-level planner: legal FTP boundaries (PAPER §2, with ILP-2's memory
 * breakpoint of PAPER §5 as the default), FTP grids (PAPER §2.1's 5×5 default, squares 1..6 for the
 * latency search, speed-proportional rows for unequal devices, PAPER §12.1) and tail type
 * assignments (ILP-1's optimum by the chain DP of PAPER §4, or all-LOP, the unfused baseline).
 */
import type { Model } from '../../shared/model/ir.ts';
import { INPUT } from '../../shared/model/ir.ts';
import type { PartitionKind, PlanDevice } from '../../shared/plan/types.ts';
import { allLayers, convPart, tailLayers, type LayerSize } from '../layers.ts';
import { solveChain, type ChainSolution } from '../optimize/chain-dp.ts';
import { breakpointByEnumeration, type BreakpointSearch } from '../optimize/ilp2.ts';
import { FP32_BYTES, type LayerType } from '../optimize/comm-cost.ts';
import { solveRestricted, tailRules, type TailRules } from './constrained-dp.ts';
import { isWeightLayer, type FtpSpec } from '../plan/spec.ts';

/** ILP-2 (PAPER §5) over the conv-and-pool part, solved exactly by enumeration. */
export function memoryBreakpoint(model: Model, n: number): BreakpointSearch {
  return breakpointByEnumeration(convPart(allLayers(model)), n);
}

/** The nearest legal FTP boundary at or after breakpoint b (else the last one before it); 0 keeps 0. */
export function ftpLayersFor(b: number, legal: readonly number[]): number {
  if (b === 0 || legal.length === 0) return 0;
  return legal.find((k) => k >= b) ?? legal[legal.length - 1]!;
}

export interface GridChoice extends Pick<FtpSpec, 'grid' | 'rowShares'> {
  readonly label: string;
}

/** Unequal devices (PAPER §12.1): speeds decide channel shares and tile rows. */
export function heterogeneous(devices: readonly PlanDevice[]): boolean {
  return devices.some((d) => d.speed !== devices[0]!.speed);
}

/**
 * Grids over the stack's output map: `fixed`, else 5×5 (PAPER §2.1) or squares 1..6 (`search`),
 * clipped to the map; for unequal devices also one row per device, heights ∝ speed, fastest first
 * (assignTiles gives the largest tile to the fastest idle device, so row i lands on device i).
 */
export function gridChoices(model: Model, k: number, devices: readonly PlanDevice[], o: { fixed?: { rows: number; cols: number }; search: boolean }): GridChoice[] {
  const map = model.nodes[k - 1]!.out;
  const square = (g: number): GridChoice => {
    const grid = { rows: Math.min(g, map.h), cols: Math.min(g, map.w) };
    return { grid, label: `${grid.rows}x${grid.cols}` };
  };
  const out: GridChoice[] = o.fixed ? [{ grid: o.fixed, label: `${o.fixed.rows}x${o.fixed.cols}` }] : o.search ? [1, 2, 3, 4, 5, 6].map(square) : [square(5)];
  if (!o.fixed && heterogeneous(devices) && map.h >= devices.length) {
    out.push({ grid: { rows: devices.length, cols: 1 }, rowShares: devices.map((d) => d.speed).sort((a, b) => b - a), label: `${devices.length}x1 by speed` });
  }
  return out.filter((g, i) => out.findIndex((h) => h.label === g.label) === i);
}

export interface TailChoice {
  /** `source`: the whole tail on the data source (no weight partitioning), for models whose
   *  weights are too small for partitioning to pay, e.g. MobileNet-style DAGs at 100 Mbit/s;
   *  `mixed`: each weight layer split or whole, whichever pays (mixed-tail.ts);
   *  `lip`, `seq`: verify's presets, when the tail is pinned to them (pin.ts). */
  readonly label: 'fused' | 'unfused' | 'source' | 'mixed' | 'lip' | 'seq';
  readonly tail: Record<number, PartitionKind>;
  /** The ILP-1 solution behind it (the DP's, or the all-LOP restriction's). */
  readonly solution: ChainSolution;
  /** Channel counts or DAG wiring ruled types out on some layer (constrained-dp.ts solved it). */
  readonly restricted: boolean;
}

const KIND: Record<LayerType, PartitionKind> = { LOP: 'lop', LIP: 'lip', FUSE1: 'fuse1', FUSE2: 'fuse2', '-': 'local' };

function channelsIn(model: Model, l: number): number {
  const src = model.nodes[l]!.inputs[0]!;
  return src === INPUT ? model.input.c : model.nodes[src]!.out.c;
}

/**
 * LIP and FUSE split channels N ways (PAPER §3.2): does the tail fit N devices? LOP always fits:
 * a layer with fewer output channels than devices runs on fewer devices (plan/build.ts widthShares).
 */
function tailFits(model: Model, tail: Readonly<Record<number, PartitionKind>>, n: number): boolean {
  return Object.entries(tail).every(([key, t]) => {
    const l = Number(key), out = model.nodes[l]!.out.c;
    if (t === 'lip') return out >= n && channelsIn(model, l) >= n;
    return t === 'local' || t === 'lop' || t === 'seq' || out >= n;
  });
}

/** ILP-1's types as plan kinds; weight layers ILP-1 leaves out (grouped/depthwise convs) run LOP. */
function toTail(model: Model, from: number, types: readonly LayerType[]): Record<number, PartitionKind> {
  const tail: Record<number, PartitionKind> = {};
  types.forEach((t, i) => {
    const l = from + i;
    tail[l] = t === '-' && isWeightLayer(model.nodes[l]!) ? 'lop' : KIND[t];
  });
  return tail;
}

function restrictedSolution(layers: readonly LayerSize[], n: number, rules: TailRules): ChainSolution | undefined {
  const r = solveRestricted(layers, n, rules);
  return r && { types: r.types, costElements: r.costElements, bytes: FP32_BYTES * r.costElements, optima: [r.types], optimaCount: 1 };
}

function allowedBy(types: readonly LayerType[], rules: TailRules): boolean {
  return types.every((t, i) => t === '-' || rules.allowed(i).includes(t));
}

/**
 * The fused tail (ILP-1's optimum, FC layers included as the 1×1 case, PAPER §3.4) and the unfused
 * all-LOP baseline. `solve` (the chain DP, or HiGHS) solves the paper's unrestricted ILP-1.
 */
export function tailChoices(model: Model, k: number, n: number, solve = solveChain): TailChoice[] {
  const layers = tailLayers(model, k, { fc: true });
  const rules = tailRules(model, layers, n);
  const best = solve(layers, n);
  // The restrictions bind only if the paper's optimum breaks one; then the restricted DP decides.
  const free = allowedBy(best.types, rules);
  const fused = free ? best : restrictedSolution(layers, n, rules);
  const lopRules = tailRules(model, layers, n, ['LOP']);
  const unfused = layers.every((l, i) => !l.conv || lopRules.allowed(i).length > 0) ? solveChain(layers, n, { allowed: ['LOP'] }) : undefined;
  const out: TailChoice[] = [];
  for (const [label, sol] of [['fused', fused], ['unfused', unfused]] as const) {
    if (!sol) continue;
    const tail = toTail(model, k, sol.types);
    if (tailFits(model, tail, n)) out.push({ label, tail, solution: sol, restricted: !free });
  }
  if (k < model.nodes.length) {
    const tail: Record<number, PartitionKind> = {};
    for (let l = k; l < model.nodes.length; l++) tail[l] = 'local';
    const none = layers.map((): LayerType => '-');
    out.push({ label: 'source', tail, solution: { types: none, costElements: 0, bytes: 0, optima: [none], optimaCount: 1 }, restricted: false });
  }
  return out;
}
