/**
 * ILP-2, the breakpoint for minimum per-device memory (PAPER §5, the authors' find_breakpoint.py),
 * as a MILP and by enumerating the L+1 breakpoints (exact, because a_l depends on b_l alone).
 *
 * Breakpoints are Darknet layer indices: b is the first weight-partitioned layer, and b = one past the
 * last layer of the list means "everything in the FTP head". Answers are normalised to the first conv
 * layer at or after b (PAPER §5): the non-conv layers skipped cost nothing, so the memory is the same.
 */
import { checkConsecutive, checkDevices, FP32_BYTES } from './comm-cost.ts';
import { MilpModel, solveMilp, type MilpResult, type SolveOptions } from './milp.ts';
import { assert } from '../../shared/errors.ts';
import type { LayerSize } from '../layers.ts';

export interface Breakpoint {
  /** First weight-partitioned layer, normalised to a conv layer (or one past the end). */
  readonly breakpoint: number;
  /** ILP-2's objective: peak activation + weights held per device, in elements. */
  readonly memoryElements: number;
  readonly bytes: number;
}

export interface BreakpointSearch extends Breakpoint {
  /** Every normalised breakpoint that attains the optimum, ascending. */
  readonly optimal: readonly number[];
  /** Memory of every candidate b (positions 0..L of the list), in elements. */
  readonly all: readonly { readonly b: number; readonly memoryElements: number }[];
}

/** Per-device memory (ILP-2's objective) with breakpoint b, in elements. */
export function memoryAt(layers: readonly LayerSize[], b: number, n: number): number {
  checkDevices(n);
  checkConsecutive(layers);
  const pos = position(layers, b);
  let peak = 0;
  let weights = 0;
  layers.forEach((layer, l) => {
    const partitioned = l >= pos;
    // FTP splits activations N ways but every device holds all weights; weight partitioning is the reverse.
    if (layer.conv) peak = Math.max(peak, partitioned ? layer.M + layer.K : (layer.M + layer.K) / n);
    weights += partitioned ? layer.W / n : layer.W;
  });
  return peak + weights;
}

/** The first conv layer at or after b (one past the end if there is none). */
function normaliseBreakpoint(layers: readonly LayerSize[], b: number): number {
  const pos = position(layers, b);
  const conv = layers.findIndex((layer, l) => l >= pos && layer.conv);
  return conv < 0 ? end(layers) : layers[conv]!.index;
}

/** ILP-2 solved by enumerating every breakpoint; ties resolve to the earliest normalised one. */
export function breakpointByEnumeration(layers: readonly LayerSize[], n: number): BreakpointSearch {
  assert(layers.length > 0, () => 'planner/ilp2: empty size list');
  const first = layers[0]!.index;
  const all = Array.from({ length: layers.length + 1 }, (_, pos) => ({ b: first + pos, memoryElements: memoryAt(layers, first + pos, n) }));
  const best = Math.min(...all.map((c) => c.memoryElements));
  // Memory sums fractions of N, so compare with a relative tolerance rather than exactly.
  const tied = all.filter((c) => c.memoryElements - best <= 1e-9 * best);
  const optimal = [...new Set(tied.map((c) => normaliseBreakpoint(layers, c.b)))].sort((x, y) => x - y);
  return { breakpoint: optimal[0]!, memoryElements: best, bytes: FP32_BYTES * best, optimal, all };
}

/** Builds ILP-2 as PAPER §5 writes it (a_l continuous: (M+K)/N need not be an integer). */
function buildIlp2(layers: readonly LayerSize[], n: number): MilpModel {
  checkDevices(n);
  checkConsecutive(layers);
  const m = new MilpModel();
  // A valid big-M: C never exceeds the largest activation, so this bound is tight where 10^9 is not.
  const bigM = Math.max(1, ...layers.map((l) => l.M + l.K));
  m.addVar('C');
  layers.forEach((layer, l) => {
    m.addBinary(`b_${l}`);
    m.addBinary(`h_${l}`);
    m.addVar(`a_${l}`);
    if (l > 0) m.addConstraint(`mono_${l}`, [[1, `b_${l}`], [-1, `b_${l - 1}`]], '>=', 0);
    const act = layer.M + layer.K;
    // a_l = b_l·(M+K) + (1 − b_l)·(M+K)/N for conv layers, 0 otherwise
    if (layer.conv) m.addConstraint(`act_${l}`, [[1, `a_${l}`], [-(act - act / n), `b_${l}`]], '=', act / n);
    else m.addConstraint(`act_${l}`, [[1, `a_${l}`]], '=', 0);
    m.addConstraint(`peak_ge_${l}`, [[1, 'C'], [-1, `a_${l}`]], '>=', 0);
    m.addConstraint(`peak_le_${l}`, [[1, 'C'], [-1, `a_${l}`], [bigM, `h_${l}`]], '<=', bigM);
  });
  m.addConstraint('one_max', layers.map((_, l) => [1, `h_${l}`] as const), '=', 1);
  const weights = layers.reduce((sum, l) => sum + l.W, 0);
  // Σ b·W/N + (1 − b)·W = Σ W + Σ b·W(1/N − 1)
  m.setObjective('min', [[1, 'C'], ...layers.map((l, k) => [l.W / n - l.W, `b_${k}`] as const)], weights);
  return m;
}

/** ILP-2 solved as a MILP (HiGHS by default). Throws unless the solver proves an integral optimum. */
export async function breakpointByMilp(layers: readonly LayerSize[], n: number, opts: SolveOptions = {}): Promise<Breakpoint & { readonly milp: MilpResult }> {
  assert(layers.length > 0, () => 'planner/ilp2: empty size list');
  const milp = await solveMilp(buildIlp2(layers, n), opts);
  assert(milp.optimal, () => `planner/ilp2: solver ${opts.solver ?? 'highs'} gave no proven optimum for N=${n} (${milp.status}: ${milp.solverStatus})`);
  const pos = layers.findIndex((_, l) => Math.round(milp.values[`b_${l}`] ?? 0) === 1);
  const raw = pos < 0 ? end(layers) : layers[pos]!.index;
  const memoryElements = memoryAt(layers, raw, n);
  assert(Math.abs(memoryElements - milp.objective) <= 1e-6 * memoryElements,
    () => `planner/ilp2: solver objective ${milp.objective} differs from the memory at b=${raw}: ${memoryElements}`);
  return { breakpoint: normaliseBreakpoint(layers, raw), memoryElements, bytes: FP32_BYTES * memoryElements, milp };
}

function end(layers: readonly LayerSize[]): number {
  return layers[layers.length - 1]!.index + 1;
}

function position(layers: readonly LayerSize[], b: number): number {
  const first = layers.length > 0 ? layers[0]!.index : 0;
  const pos = b - first;
  assert(Number.isInteger(b) && pos >= 0 && pos <= layers.length,
    () => `planner/ilp2: breakpoint ${b} is outside layers ${first}..${first + layers.length}`);
  return pos;
}
