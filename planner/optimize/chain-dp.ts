/**
 * ILP-1 (PAPER §4) solved exactly by a Viterbi pass over (layer, type): every term of the objective
 * couples at most two neighbouring entries of the size list, so a chain DP with five states per
 * layer is exact ("A chain DP solves it exactly", PAPER §4). Costs are integers (units of 1/N
 * element, see comm-cost.ts), so ties are exact and all optimal assignments can be enumerated.
 */
import {
  checkConsecutive, checkDevices, FP32_BYTES, layerTypes, legalStep, pairScaled, unaryScaled,
  type ConvType, type LayerType,
} from './comm-cost.ts';
import { assert } from '../../shared/errors.ts';
import type { LayerSize } from '../layers.ts';

export interface ChainOptions {
  /** Conv types the DP may use (default all four); ['LOP'] gives the all-LOP baseline. */
  readonly allowed?: readonly ConvType[];
  /** Most optimal assignments to enumerate (default 1000); `optimaCount` is exact regardless. */
  readonly maxOptima?: number;
}

export interface ChainSolution {
  /** One optimal assignment (the first of `optima`). */
  readonly types: LayerType[];
  /** ILP-1's optimal objective, in elements. */
  readonly costElements: number;
  /** fp32 bytes: 4 × costElements (PAPER §4). */
  readonly bytes: number;
  /** Optimal assignments, up to `maxOptima`, in a deterministic order. */
  readonly optima: LayerType[][];
  /** How many optimal assignments exist. */
  readonly optimaCount: number;
}

/** One DP cell: best scaled cost of a prefix ending in this type, its tied predecessors, and the tie count. */
interface Cell {
  readonly type: LayerType;
  cost: number;
  preds: number[];
  count: number;
}

/** Minimises ILP-1 over the legal assignments of PAPER §3.5 for N devices. */
export function solveChain(layers: readonly LayerSize[], n: number, opts: ChainOptions = {}): ChainSolution {
  checkDevices(n);
  checkConsecutive(layers);
  const allowed = opts.allowed;
  assert(allowed === undefined || allowed.length > 0, () => 'planner/optimize: chain DP needs at least one allowed type');
  if (layers.length === 0) return { types: [], costElements: 0, bytes: 0, optima: [[]], optimaCount: 1 };
  const table = forward(layers, n, allowed);
  const last = table[table.length - 1]!;
  // PAPER §3.5: the last layer cannot be FUSE1.
  const finals = last.map((c, s) => ({ c, s })).filter(({ c }) => c.type !== 'FUSE1' && Number.isFinite(c.cost));
  assert(finals.length > 0, () => `planner/optimize: no legal assignment for layers ${layers[0]!.index}..${layers[layers.length - 1]!.index} with types [${allowed}]`);
  const best = Math.min(...finals.map(({ c }) => c.cost));
  const ends = finals.filter(({ c }) => c.cost === best).map(({ s }) => s);
  const optima = backtrack(table, ends, opts.maxOptima ?? 1000);
  const costElements = best / n;
  return {
    types: optima[0]!,
    costElements,
    bytes: FP32_BYTES * costElements,
    optima,
    optimaCount: ends.reduce((sum, s) => sum + last[s]!.count, 0),
  };
}

function forward(layers: readonly LayerSize[], n: number, allowed: readonly ConvType[] | undefined): Cell[][] {
  const table: Cell[][] = [];
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    const row = layerTypes(layer, allowed).map((type): Cell => ({ type, cost: Infinity, preds: [], count: 0 }));
    for (const cell of row) {
      const unary = unaryScaled(layer, cell.type, n);
      if (l === 0) {
        if (legalStep(null, cell.type)) Object.assign(cell, { cost: unary, count: 1 });
        continue;
      }
      table[l - 1]!.forEach((prev, p) => {
        if (!Number.isFinite(prev.cost) || !legalStep(prev.type, cell.type)) return;
        const cost = prev.cost + pairScaled(layers[l - 1]!, layer, prev.type, cell.type, n) + unary;
        if (cost < cell.cost) Object.assign(cell, { cost, preds: [p], count: prev.count });
        else if (cost === cell.cost) {
          cell.preds.push(p);
          cell.count += prev.count;
        }
      });
    }
    table.push(row);
  }
  return table;
}

/** Walks the tied back-pointers from every optimal final state, stopping after `cap` assignments. */
function backtrack(table: Cell[][], ends: readonly number[], cap: number): LayerType[][] {
  const out: LayerType[][] = [];
  const suffix: LayerType[] = new Array(table.length);
  const walk = (l: number, s: number): void => {
    if (out.length >= cap) return;
    const cell = table[l]![s]!;
    suffix[l] = cell.type;
    if (l === 0) {
      out.push([...suffix]);
      return;
    }
    for (const p of cell.preds) walk(l - 1, p);
  };
  for (const s of ends) walk(table.length - 1, s);
  return out;
}
