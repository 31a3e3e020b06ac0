/**
 * Non-maximum suppression on `[x1, y1, x2, y2]` boxes. `doNmsSort` is Darknet's per-class NMS
 * (pjreddie/darknet src/box.c do_nms_sort); `agnosticNms` is Frigate's one-label-per-box variant,
 * the detectors' default (`suppress` picks by NmsMode); `greedyNms` is the plain class-agnostic
 * variant on scored items.
 */
import type { Box } from '../engine/image.ts';
import type { Candidate, NmsMode } from './types.ts';

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

/** `per-class`: Darknet's do_nms_sort (one box may carry several labels); `agnostic`: Frigate-style. */
export type { NmsMode };
export const NMS_MODES: readonly NmsMode[] = ['per-class', 'agnostic'];
/** Detectors default to one label per box, as Frigate shows them (issue 10 item 10). */
export const DEFAULT_NMS: NmsMode = 'agnostic';

/** Index of the highest probability (the lowest index on ties), or −1 when all are 0. */
function bestClass(probs: Float32Array): number {
  let best = -1;
  for (let j = 0; j < probs.length; j++) if (probs[j]! > 0 && (best < 0 || probs[j]! > probs[best]!)) best = j;
  return best;
}

/**
 * Class-agnostic NMS as Frigate runs it on YOLO outputs (frigate/util/model.py post_process_yolo:
 * argmax class per box, then cv2.dnn.NMSBoxes over all boxes): each candidate keeps only its best
 * class, then candidates are visited by that score, highest first, and every later one overlapping
 * a kept box by IoU > `thresh` is dropped, whatever its class. So one object gets one label (the
 * horse no longer shows as sheep 0.30, horse 0.27 and cow 0.22 on one box). Mutates `probs`.
 */
export function agnosticNms(cands: readonly Candidate[], thresh: number): void {
  const scored: { cand: Candidate; k: number }[] = [];
  for (const cand of cands) {
    const k = bestClass(cand.probs);
    const p = k < 0 ? 0 : cand.probs[k]!;
    cand.probs.fill(0);
    if (k < 0) continue;
    cand.probs[k] = p;
    scored.push({ cand, k });
  }
  scored.sort((a, b) => b.cand.probs[b.k]! - a.cand.probs[a.k]!);
  const kept: Candidate[] = [];
  for (const { cand, k } of scored) {
    if (kept.some((c) => iou(c.box, cand.box) > thresh)) cand.probs[k] = 0;
    else kept.push(cand);
  }
}

/** NMS by mode; both mutate `probs` so that surviving (box, class) pairs are the non-zero ones. */
export function suppress(cands: readonly Candidate[], classes: number, thresh: number, mode: NmsMode): void {
  if (mode === 'agnostic') agnosticNms(cands, thresh);
  else doNmsSort(cands, classes, thresh);
}
