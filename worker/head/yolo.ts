/**
 * YOLOv3 head: pjreddie/darknet src/yolo_layer.c get_yolo_detections, on the map the engine has
 * already activated (logistic on x, y, objectness and classes). Each yolo layer's map is
 * H×W×(len(mask)·(5+classes)), channel n·(5+classes)+entry; anchors are in network pixels.
 */
import type { YoloNode } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { ShapeMismatchError } from '../../shared/errors.ts';
import { corners, scanAnchors } from './anchors.ts';
import type { Candidate } from './types.ts';

/**
 * `darknet detect` threshold as documented for YOLOv3 ("confidence of .25 or higher",
 * pjreddie.com/darknet/yolo) and AlexeyAB/darknet's default; pjreddie's master passes .5.
 */
export const YOLO_THRESHOLD = 0.25;

/**
 * Boxes in network-relative units: centre ((col + tx)/w, (row + ty)/h), size
 * exp(tw)·anchor_w/netW by exp(th)·anchor_h/netH for anchor mask[n] (get_yolo_box).
 */
export function decodeYolo(node: YoloNode, map: Tensor3, net: { readonly w: number; readonly h: number }, thresh: number): Candidate[] {
  const { h, w, c } = map.shape;
  const expected = node.mask.length * (5 + node.classes);
  if (h !== node.out.h || w !== node.out.w || c !== expected) {
    throw new ShapeMismatchError(node.id, [node.out.h, node.out.w, expected], [h, w, c], 'head');
  }
  const bad = node.mask.find((a) => !(a >= 0 && 2 * a + 1 < node.anchors.length));
  if (bad !== undefined) {
    throw new Error(`head: yolo layer ${node.id} mask entry ${bad} has no anchor among ${node.anchors.length / 2} anchors`);
  }
  const layout = { num: node.mask.length, coords: 4, classes: node.classes };
  return scanAnchors(map, layout, thresh, (col, row, n, tx, ty, tw, th) => {
    const a = node.mask[n]!;
    return corners((col + tx) / w, (row + ty) / h,
      (Math.exp(tw) * node.anchors[2 * a]!) / net.w, (Math.exp(th) * node.anchors[2 * a + 1]!) / net.h);
  });
}
