/**
 * The walk both Darknet YOLO heads share: every cell and anchor of an activated H×W×(num·entries)
 * map, channel n·entries + entry with entries = coords + 1 + classes (box, objectness, classes),
 * thresholded the way get_region_detections and get_yolo_detections do.
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { Box } from '../engine/image.ts';
import type { Candidate } from './types.ts';

export interface AnchorLayout {
  readonly num: number;
  readonly coords: number;
  readonly classes: number;
}

/** Box of anchor n at (col, row) from its raw (already activated) tx, ty, tw, th. */
export type BoxAt = (col: number, row: number, n: number, tx: number, ty: number, tw: number, th: number) => Box;

/**
 * Keeps an anchor when objectness > thresh, and class j when objectness·P(j) > thresh (others 0).
 * Anchors with no class left are dropped: in do_nms_sort they neither suppress nor survive.
 */
export function scanAnchors(map: Tensor3, layout: AnchorLayout, thresh: number, boxAt: BoxAt): Candidate[] {
  const { h, w, c } = map.shape;
  const { num, coords, classes } = layout;
  const entries = coords + 1 + classes;
  const x = map.data;
  const cands: Candidate[] = [];
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      for (let n = 0; n < num; n++) {
        const base = (row * w + col) * c + n * entries;
        const objectness = x[base + coords]!;
        if (!(objectness > thresh)) continue;
        const probs = new Float32Array(classes);
        let any = false;
        for (let j = 0; j < classes; j++) {
          const p = objectness * x[base + coords + 1 + j]!;
          if (p > thresh) { probs[j] = p; any = true; }
        }
        if (!any) continue;
        const box = boxAt(col, row, n, x[base]!, x[base + 1]!, x[base + 2]!, x[base + 3]!);
        cands.push({ box, objectness, probs });
      }
    }
  }
  return cands;
}

/** Centre/size → corners. */
export function corners(cx: number, cy: number, bw: number, bh: number): Box {
  return [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2];
}
