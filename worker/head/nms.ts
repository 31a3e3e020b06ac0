/**
 * Non-maximum suppression on `[x1, y1, x2, y2]` boxes. `doNmsSort` is Darknet's per-class NMS
 * (pjreddie/darknet src/box.c do_nms_sort); `greedyNms` is the plain class-agnostic variant.
 */
import type { Box } from '../engine/image.ts';
import type { Candidate } from './types.ts';

/** Intersection over union; 0 for disjoint or degenerate boxes. */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Darknet do_nms_sort: for each class, visit candidates by that class's probability, highest
 * first, and zero the class probability of every later candidate whose box overlaps by IoU
 * > `thresh`. Mutates `probs`. Candidates with probability 0 for a class neither suppress nor
 * matter for it, so each class sorts only its non-zero ones (same result, less work). Ties keep
 * input order (JS sort is stable; Darknet's qsort is not, so its tie order is arbitrary).
 */
export function doNmsSort(cands: readonly Candidate[], classes: number, thresh: number): void {
  for (let k = 0; k < classes; k++) {
    const order = cands.filter((c) => c.probs[k]! > 0).sort((a, b) => b.probs[k]! - a.probs[k]!);
    for (let i = 0; i < order.length; i++) {
      const a = order[i]!;
      if (a.probs[k] === 0) continue;
      for (let j = i + 1; j < order.length; j++) {
        const b = order[j]!;
        if (b.probs[k] !== 0 && iou(a.box, b.box) > thresh) b.probs[k] = 0;
      }
    }
  }
}

/** Class-agnostic greedy NMS: keep by score desc, drop anything overlapping a kept box by IoU > `thresh`. */
export function greedyNms<T extends { readonly box: Box; readonly score: number }>(items: readonly T[], thresh: number): T[] {
  const kept: T[] = [];
  for (const item of [...items].sort((a, b) => b.score - a.score)) {
    if (kept.every((k) => iou(k.box, item.box) <= thresh)) kept.push(item);
  }
  return kept;
}
