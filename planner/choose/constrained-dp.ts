/**
 * ILP-1 (PAPER §4) with per-layer restrictions the paper's chains never needed [ours]: a layer may
 * take LIP or FUSE only if every channel range is non-empty for N devices (PAPER §3.2; LOP narrows
 * to fewer devices instead), and FUSE1→FUSE2
 * only where the plan builder can fuse (the first layer feeds only the second, PAPER §3.5; DAG models
 * such as YOLOv2's route at 25 or ResNet shortcuts break this). Same objective terms and Viterbi pass
 * as chain-dp.ts; when the paper's optimum breaks no restriction the planner keeps it (exact ties).
 */
import type { Model } from '../../shared/model/ir.ts';
import { INPUT } from '../../shared/model/ir.ts';
import { CONV_TYPES, legalStep, pairScaled, unaryScaled, type ConvType, type LayerType } from '../optimize/comm-cost.ts';
import type { LayerSize } from '../layers.ts';
import { canFuse, consumers } from '../plan/spec.ts';

export interface TailRules {
  /** The conv types layer i (position in the size list) may take. */
  readonly allowed: (i: number) => readonly ConvType[];
}

/** The restrictions a model and N impose on the size list of its tail from `layers[0].index`. */
export function tailRules(model: Model, layers: readonly LayerSize[], n: number, only?: readonly ConvType[]): TailRules {
  const users = consumers(model);
  const inC = (l: number): number => {
    const src = model.nodes[l]!.inputs[0]!;
    return src === INPUT ? model.input.c : model.nodes[src]!.out.c;
  };
  const table = layers.map((layer, i) => {
    const l = layer.index, out = model.nodes[l]!.out.c;
    if (!layer.conv) return [];
    const ok: Record<ConvType, boolean> = {
      // Fewer output channels than devices: LOP runs on fewer devices (plan/build.ts widthShares).
      LOP: out >= 1,
      LIP: out >= n && inC(l) >= n,
      FUSE1: out >= n && i + 1 < layers.length && canFuse(model, l, l + 1, users) && model.nodes[l + 1]!.out.c >= n,
      FUSE2: out >= n && i > 0 && canFuse(model, l - 1, l, users) && inC(l) >= n,
    };
    return (only ?? CONV_TYPES).filter((t) => ok[t]);
  });
  return { allowed: (i) => table[i]! };
}

/** Minimises ILP-1 under the rules; undefined when some conv layer has no allowed type. */
export function solveRestricted(layers: readonly LayerSize[], n: number, rules: TailRules): { types: LayerType[]; costElements: number } | undefined {
  const types = layers.map((l, i): readonly LayerType[] => (l.conv ? rules.allowed(i) : ['-']));
  if (types.some((t) => t.length === 0)) return undefined;
  const cost: number[][] = [], back: number[][] = [];
  layers.forEach((layer, l) => {
    cost.push(types[l]!.map(() => Infinity));
    back.push(types[l]!.map(() => -1));
    types[l]!.forEach((t, s) => {
      const u = unaryScaled(layer, t, n);
      if (l === 0) {
        if (legalStep(null, t)) cost[0]![s] = u;
        return;
      }
      types[l - 1]!.forEach((p, q) => {
        if (!legalStep(p, t) || !Number.isFinite(cost[l - 1]![q]!)) return;
        const c = cost[l - 1]![q]! + pairScaled(layers[l - 1]!, layer, p, t, n) + u;
        if (c < cost[l]![s]!) [cost[l]![s], back[l]![s]] = [c, q];
      });
    });
  });
  if (layers.length === 0) return { types: [], costElements: 0 };
  const last = layers.length - 1;
  let s = -1;
  types[last]!.forEach((t, k) => { if (t !== 'FUSE1' && (s < 0 || cost[last]![k]! < cost[last]![s]!)) s = k; });
  if (s < 0 || !Number.isFinite(cost[last]![s]!)) return undefined;
  const costElements = cost[last]![s]! / n;
  const out: LayerType[] = new Array(layers.length);
  for (let l = last; l >= 0; l--) {
    out[l] = types[l]![s]!;
    s = back[l]![s]!;
  }
  return { types: out, costElements };
}
