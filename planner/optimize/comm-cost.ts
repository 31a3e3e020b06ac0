/**
 * ILP-1's cost model (PAPER §4) and the legality rules of PAPER §3.5, shared by the chain DP, the
 * MILP formulation and anyone who wants to price a hand-written assignment.
 *
 * Costs are computed in units of 1/N element so that every term is an integer: the DP can then detect
 * ties exactly (Extraction has several tied optima, PAPER §7.2). Public functions return elements.
 */
import { assert, PlanInfeasibleError } from '../../shared/errors.ts';
import type { LayerSize } from '../layers.ts';

/** The weight-partitioning types of PAPER §3.1 (SEQ is not part of ILP-1). */
export type ConvType = 'LOP' | 'LIP' | 'FUSE1' | 'FUSE2';
/** '-' marks a non-conv layer: it runs on the data source and costs nothing (PAPER §4). */
export type LayerType = ConvType | '-';

export const CONV_TYPES: readonly ConvType[] = ['LOP', 'LIP', 'FUSE1', 'FUSE2'];

/** Bytes per element: the paper is fp32 throughout (PAPER §4: "4 × objective as bytes"). */
export const FP32_BYTES = 4;

export function checkDevices(n: number): void {
  assert(Number.isInteger(n) && n >= 1, () => `planner/optimize: device count ${n} is not a positive integer`);
}

/**
 * The authors index the pair term by consecutive entries of their size list (conv and non-conv
 * layers alike), so the list must not skip layers: a gap would let LOP reuse cross a pool.
 */
export function checkConsecutive(layers: readonly LayerSize[]): void {
  for (let l = 1; l < layers.length; l++) {
    const prev = layers[l - 1]!.index;
    const cur = layers[l]!.index;
    assert(cur === prev + 1, () => `planner/optimize: size list jumps from layer ${prev} to layer ${cur}; pass a contiguous tail`);
  }
}

/** N × the per-layer cost of type t (PAPER §4 objective, unary part). */
export function unaryScaled(layer: LayerSize, t: LayerType, n: number): number {
  const { M, K } = layer;
  const n1 = n - 1;
  switch (t) {
    case 'LOP': return M * n1 * n + K * n1; //            broadcast M, gather N−1 slices of K/N
    case 'LIP': return M * n1 + K * n1 * n; //            scatter slices of M, gather N−1 partial sums
    case 'FUSE1': return M * n1 * n; //                   broadcast M; k's output never leaves the device
    case 'FUSE2': return K * n1 * n; //                   gather N−1 full partial sums
    case '-': return 0;
  }
}

/**
 * N × the pair term between entries l−1 and l. Substituting (3) into (4) gives oc_l = o_{l−1}·o_l and
 * fc_l = o_{l−1}·f_l, so only LOP followed by LOP or FUSE1 couples (PAPER §3.3, §4): the boundary
 * costs K_{l−1}(N−1) instead of K_{l−1}(N−1)/N, and l's broadcast of M_l disappears.
 */
export function pairScaled(prev: LayerSize, cur: LayerSize, tPrev: LayerType, t: LayerType, n: number): number {
  if (tPrev !== 'LOP' || (t !== 'LOP' && t !== 'FUSE1')) return 0;
  const n1 = n - 1;
  return prev.K * n1 * (n - 1) - cur.M * n1 * n;
}

/** PAPER §3.5: may type t follow tPrev (null at the start of the tail)? */
export function legalStep(tPrev: LayerType | null, t: LayerType): boolean {
  if (tPrev === 'FUSE1') return t === 'FUSE2';
  return t !== 'FUSE2';
}

/** The types a layer may take: one conv type each for conv layers, none ('-') otherwise. */
export function layerTypes(layer: LayerSize, allowed: readonly ConvType[] = CONV_TYPES): readonly LayerType[] {
  return layer.conv ? allowed : ['-'];
}

/** Throws PlanInfeasibleError naming the first rule of PAPER §3.5 that `types` breaks. */
function checkLegal(layers: readonly LayerSize[], types: readonly LayerType[]): void {
  const fail = (l: number, why: string): never => {
    throw new PlanInfeasibleError('PAPER §3.5', `planner/optimize: layer ${layers[l]!.index} (${types[l]}): ${why}`, layers[l]!.index);
  };
  assert(types.length === layers.length, () => `planner/optimize: ${types.length} types for ${layers.length} layers`);
  for (let l = 0; l < layers.length; l++) {
    const t = types[l]!;
    if (layers[l]!.conv === (t === '-')) fail(l, layers[l]!.conv ? 'a conv layer needs a type' : 'a non-conv layer takes no type');
    if (!legalStep(l === 0 ? null : types[l - 1]!, t)) fail(l, t === 'FUSE2' ? 'FUSE2 must follow FUSE1' : 'FUSE1 must be followed by FUSE2');
  }
  if (types[layers.length - 1] === 'FUSE1') fail(layers.length - 1, 'the last layer cannot be FUSE1');
}

/** ILP-1's objective for any legal assignment, in elements (PAPER §4). */
export function commCost(layers: readonly LayerSize[], types: readonly LayerType[], n: number): number {
  checkDevices(n);
  checkConsecutive(layers);
  checkLegal(layers, types);
  let scaled = 0;
  for (let l = 0; l < layers.length; l++) {
    scaled += unaryScaled(layers[l]!, types[l]!, n);
    if (l > 0) scaled += pairScaled(layers[l - 1]!, layers[l]!, types[l - 1]!, types[l]!, n);
  }
  return scaled / n;
}

/** Every conv layer LOP, with the §3.3 reuse: weight partitioning without fusion (PAPER §8 "all-LOP"). */
function allLopTypes(layers: readonly LayerSize[]): LayerType[] {
  return layers.map((l) => (l.conv ? 'LOP' : '-'));
}

/** The all-LOP baseline's cost in elements (PAPER §8). */
export function allLopCost(layers: readonly LayerSize[], n: number): number {
  return commCost(layers, allLopTypes(layers), n);
}
