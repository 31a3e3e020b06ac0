/**
 * ILP-1, minimum data exchanged in the weight-partitioned tail, written exactly as PAPER §4 gives the
 * authors' formulation (scripts/decide_fusing.py): binaries o, i, f, s per entry of the size list,
 * auxiliaries r, oc, fc as linearised products. Solved by HiGHS through milp.ts. The chain DP
 * (chain-dp.ts) solves the same problem exactly and is the fast path; this is the cross-check and the
 * starting point for models that lose the chain structure.
 */
import { checkConsecutive, checkDevices, commCost, FP32_BYTES, type LayerType } from './comm-cost.ts';
import { MilpModel, solveMilp, type MilpResult, type SolveOptions, type Term } from './milp.ts';
import { assert } from '../../shared/errors.ts';
import type { LayerSize } from '../layers.ts';

export interface Ilp1Solution {
  readonly types: LayerType[];
  /** The assignment re-priced with commCost (exact), in elements. */
  readonly costElements: number;
  readonly bytes: number;
  readonly milp: MilpResult;
}

/** Builds ILP-1 for the size list and N devices. Variable names carry the entry position. */
function buildIlp1(layers: readonly LayerSize[], n: number): MilpModel {
  checkDevices(n);
  checkConsecutive(layers);
  assert(layers.length > 0, () => 'planner/ilp1: empty size list (the chain DP handles the trivial case)');
  const m = new MilpModel();
  const L = layers.length;
  const v = (name: string, l: number): string => `${name}_${l}`;
  for (let l = 0; l < L; l++) for (const name of ['o', 'i', 'f', 's', 'r', 'oc', 'fc']) m.addBinary(v(name, l));
  for (let l = 0; l < L; l++) {
    // (1) one type per conv layer, none otherwise
    m.addConstraint(`one_${l}`, [[1, v('o', l)], [1, v('i', l)], [1, v('f', l)], [1, v('s', l)]], '=', layers[l]!.conv ? 1 : 0);
    // (2) FUSE1 and FUSE2 come in adjacent pairs
    m.addConstraint(`pair_${l}`, l === 0 ? [[1, v('s', 0)]] : [[1, v('s', l)], [-1, v('f', l - 1)]], '=', 0);
    // (3) r_l = o_l·o_{l+1} + o_l·f_{l+1}: one product, since o_{l+1} + f_{l+1} ≤ 1 by (1)
    if (l < L - 1) m.addProduct(v('r', l), [[1, v('o', l)]], [[1, v('o', l + 1)], [1, v('f', l + 1)]]);
    else m.addConstraint(`r_last`, [[1, v('r', l)]], '=', 0);
    // (4) oc_l = o_l·r_{l−1}, fc_l = f_l·r_{l−1}
    if (l >= 1) {
      m.addProduct(v('oc', l), [[1, v('o', l)]], [[1, v('r', l - 1)]]);
      m.addProduct(v('fc', l), [[1, v('f', l)]], [[1, v('r', l - 1)]]);
    } else m.addConstraint('ocfc_0', [[1, v('oc', 0)], [1, v('fc', 0)]], '=', 0);
  }
  if (L > 0) m.addConstraint('f_last', [[1, v('f', L - 1)]], '=', 0);
  m.setObjective('min', layers.flatMap((layer, l) => objectiveTerms(layer, n, (name) => v(name, l))));
  return m;
}

/** PAPER §4's objective terms for one entry, in elements. */
function objectiveTerms({ M, K }: LayerSize, n: number, v: (name: string) => string): Term[] {
  const n1 = n - 1;
  return [
    [M * n1 + (K * n1) / n, v('o')], //        LOP: broadcast the full input, gather N−1 slices of K/N
    [-M * n1, v('oc')], //                    reused LOP input: no broadcast needed
    [K * n1 - (K * n1) / n, v('r')], //       reused boundary costs K(N−1)
    [(M * n1) / n + K * n1, v('i')], //       LIP: scatter input slices, gather N−1 partial sums
    [M * n1, v('f')], [-M * n1, v('fc')], //  FUSE1: broadcast the input unless it is reused
    [K * n1, v('s')], //                      FUSE2: gather N−1 full partial sums
  ];
}

/** Reads the type of every entry from a solved ILP-1. */
function decodeIlp1(layers: readonly LayerSize[], values: Readonly<Record<string, number>>): LayerType[] {
  const on = (name: string, l: number): boolean => Math.round(values[`${name}_${l}`] ?? 0) === 1;
  return layers.map((_, l): LayerType => {
    if (on('o', l)) return 'LOP';
    if (on('i', l)) return 'LIP';
    if (on('f', l)) return 'FUSE1';
    return on('s', l) ? 'FUSE2' : '-';
  });
}

/** Solves ILP-1 (HiGHS by default). Throws if the solver does not prove an integral optimum. */
export async function solveIlp1(layers: readonly LayerSize[], n: number, opts: SolveOptions = {}): Promise<Ilp1Solution> {
  const milp = await solveMilp(buildIlp1(layers, n), opts);
  assert(milp.optimal, () => `planner/ilp1: solver ${opts.solver ?? 'highs'} gave no proven optimum for N=${n} (${milp.status}: ${milp.solverStatus})`);
  const types = decodeIlp1(layers, milp.values);
  const costElements = commCost(layers, types, n);
  // The linearisation is exact on integral points, so the solver's objective must price the same.
  assert(Math.abs(costElements - milp.objective) <= 1e-6 * Math.max(1, costElements),
    () => `planner/ilp1: solver objective ${milp.objective} differs from the assignment's cost ${costElements}`);
  return { types, costElements, bytes: FP32_BYTES * costElements, milp };
}
