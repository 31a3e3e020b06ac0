/**
 * YOLOv2 region head: pjreddie/darknet src/region_layer.c get_region_detections, on the map the
 * engine has already activated (logistic on x, y, objectness; softmax over classes). The map is
 * H×W×(num·(coords+1+classes)) with channel n·(coords+1+classes)+entry, Darknet's own order.
 */
import type { RegionNode } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { ShapeMismatchError } from '../../shared/errors.ts';
import { corners, scanAnchors } from './anchors.ts';
import type { Candidate } from './types.ts';

/**
 * YOLOv2-era Darknet `detect`/`detector test`/`demo` default `-thresh .24` (src/darknet.c and
 * src/detector.c of that release; today's master says .5).
 */
export const REGION_THRESHOLD = 0.24;

/**
 * Boxes in network-relative units: centre ((col + tx)/w, (row + ty)/h), size
 * exp(tw)·anchor_w/w by exp(th)·anchor_h/h, anchors in grid cells (get_region_box).
 */
export function decodeRegion(node: RegionNode, map: Tensor3, thresh: number): Candidate[] {
  const { h, w, c } = map.shape;
  const expected = node.num * (node.coords + 1 + node.classes);
  if (h !== node.out.h || w !== node.out.w || c !== expected) {
    throw new ShapeMismatchError(node.id, [node.out.h, node.out.w, expected], [h, w, c], 'head');
  }
  if (node.anchors.length < 2 * node.num) {
    throw new Error(`head: region layer ${node.id} has ${node.anchors.length} anchor values for num=${node.num} (needs ${2 * node.num})`);
  }
  const layout = { num: node.num, coords: node.coords, classes: node.classes };
  return scanAnchors(map, layout, thresh, (col, row, n, tx, ty, tw, th) => corners(
    (col + tx) / w, (row + ty) / h,
    (Math.exp(tw) * node.anchors[2 * n]!) / w, (Math.exp(th) * node.anchors[2 * n + 1]!) / h));
}
