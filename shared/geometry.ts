/**
 * Geometry: output sizes, padding rules and receptive regions. The ONLY place of this math
 * (STYLE.md §5), so planner and worker can't disagree. The per-kind region rules live in
 * receptive.ts and the choice of rule in model/kinds.ts; both are re-exported here.
 */
import { assert } from './errors.ts';
import { kindFacts } from './model/kinds.ts';
import type { Node, Shape3 } from './model/ir.ts';
import { EMPTY_REGION, NO_PAD, containsRegion, fullRegion, isEmptyRegion, regionString, type NodeRegions } from './region.ts';
import type { Region } from './tensor.ts';

export * from './region.ts';
export { bilinearSource, bilinearSpan, reorgSource, windowSpan, type Span } from './receptive.ts';

/** Output length of a sliding window over `n` inputs with leading/trailing padding (PAPER §2.3). */
export function windowOutSize(n: number, size: number, stride: number, dilation: number, padLo: number, padHi: number): number {
  const span = (size - 1) * dilation + 1;
  const out = Math.floor((n + padLo + padHi - span) / stride) + 1;
  assert(out >= 1, () => `geometry: window size=${size} stride=${stride} dilation=${dilation} pad=${padLo}+${padHi} does not fit input ${n}`);
  return out;
}

/** Darknet conv: `pad=1` means ⌊size/2⌋ each side, else `padding=` (default 0) each side (src/parser.c). */
export function darknetConvPad(size: number, padFlag: number, padding: number | undefined): [number, number] {
  const p = padFlag ? Math.floor(size / 2) : (padding ?? 0);
  return [p, p];
}

/**
 * Darknet maxpool: total padding defaults to size−1 unless `padding=` is set; leading ⌊total/2⌋,
 * the rest trailing; output ⌊(H + total − F)/S⌋ + 1 (src/maxpool_layer.c, PAPER §2.3).
 */
export function darknetPoolPad(size: number, padding: number | undefined): [number, number] {
  const total = padding ?? size - 1;
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** TensorFlow "SAME": total = max((out−1)·S + (F−1)·D + 1 − H, 0), leading ⌊total/2⌋ (PAPER §2.3). */
export function tfSamePad(n: number, size: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + (size - 1) * dilation + 1 - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

// ── Receptive regions (PAPER §2.2–§2.3): output region → input regions, by the kind table's rule ──

/**
 * Receptive regions of one node for output region `out` (PAPER §2.2–§2.3); `inShapes` in input order.
 * A zero-area `out` reads nothing. An input region may itself have zero area when the windows fall
 * wholly in the node's padding (pad ≥ span; real models never do this); its extent on the other
 * axis still gives the crop + tile padding the right shape.
 */
export function inputRegions(node: Node, out: Region, inShapes: readonly Shape3[]): NodeRegions {
  const where = (): string => `geometry: node ${node.id} (${node.kind})`;
  assert(inShapes.length === node.inputs.length, () => `${where()} has ${node.inputs.length} inputs but got ${inShapes.length} shapes`);
  assert(containsRegion(fullRegion(node.out), out), () => `${where()} output ${regionString(out)} exceeds its ${node.out.h}x${node.out.w} map`);
  if (isEmptyRegion(out)) return { inputs: inShapes.map(() => EMPTY_REGION), pad: NO_PAD };
  const res = kindFacts(node).regions(node, out, inShapes);
  res.inputs.forEach((r, k) => {
    const s = inShapes[k]!;
    assert(containsRegion(fullRegion(s), r), () => `${where()} input ${k} needs ${regionString(r)} beyond its ${s.h}x${s.w} map`);
  });
  return res;
}
