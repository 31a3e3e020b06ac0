/**
 * CenterNet head (Zhou et al., "Objects as Points"; MB3-CenterNet as @vladmandic/human ships it):
 * the model's decoding tail done on the host. The graph's tail (tower_0/detections) is: peaks =
 * heatmap cells equal to the max of their 3×3 neighbourhood (MaxPool SAME + Equal), the top-K scores
 * over all cells and classes (TopKV2 on the NHWC-flattened map), and per peak at cell (x, y) the box
 * [x·s − l, y·s − t, x·s + r, y·s + b] in input pixels, with (l, t, r, b) the box map at that cell
 * and s the input-to-heatmap stride. Boxes then go to frame pixels and NMS (DecodeOptions.nms).
 */
import type { Model } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { ShapeMismatchError } from '../../shared/errors.ts';
import { boxToImage, clampBox, type Box, type BoxTransform } from '../engine/image.ts';
import { suppress, DEFAULT_NMS } from './nms.ts';
import type { Candidate, DecodeOptions, Detection, Prediction } from './types.ts';

/** @vladmandic/human's object.minConfidence. */
export const CENTERNET_THRESHOLD = 0.2;
/** @vladmandic/human's object.iouThreshold (it runs NMS across classes, as our default `agnostic` does). */
export const CENTERNET_NMS_IOU = 0.4;

/** One entry of the graph's `detections` output: box in network-input pixels, score, class. */
export interface Peak {
  readonly box: Box;
  readonly score: number;
  readonly classId: number;
}

/** Whether cell (y, x) of class c equals the max of its window (cells outside the map ignored, as SAME max-pool pads with −∞). */
function isPeak(heat: Tensor3, y: number, x: number, c: number, half: number): boolean {
  const { h, w, c: cs } = heat.shape;
  const v = heat.data[(y * w + x) * cs + c]!;
  for (let yy = Math.max(0, y - half); yy <= Math.min(h - 1, y + half); yy++) {
    for (let xx = Math.max(0, x - half); xx <= Math.min(w - 1, x + half); xx++) {
      if (heat.data[(yy * w + xx) * cs + c]! > v) return false;
    }
  }
  return true;
}

/** The `topK` best peaks, best first (ties: lower flat index first, as tf.topk), each at least `minScore`. */
function topPeaks(heat: Tensor3, topK: number, window: number, minScore: number): number[] {
  const x = heat.data;
  const best: number[] = [];
  const { w, c } = heat.shape;
  const half = Math.floor(window / 2);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(v >= minScore) || (best.length === topK && v <= x[best[topK - 1]!]!)) continue;
    const pix = Math.floor(i / c);
    if (!isPeak(heat, Math.floor(pix / w), pix % w, i % c, half)) continue;
    let at = best.length;
    while (at > 0 && x[best[at - 1]!]! < v) at--;
    best.splice(at, 0, i);
    if (best.length > topK) best.pop();
  }
  return best;
}

/** The graph's `detections`: up to K peaks with boxes in network-input pixels. */
export function centernetPeaks(model: Model, heat: Tensor3, box: Tensor3, minScore = 0): Peak[] {
  const { h, w, c } = heat.shape;
  if (box.shape.h !== h || box.shape.w !== w || box.shape.c !== 4) {
    throw new ShapeMismatchError(model.outputs[1] ?? -1, [h, w, 4], [box.shape.h, box.shape.w, box.shape.c], 'head: centernet box map');
  }
  const decode = model.centernet ?? { topK: 100, peakWindow: 3 };
  const sx = model.input.w / w, sy = model.input.h / h;
  return topPeaks(heat, decode.topK, decode.peakWindow, minScore).map((i) => {
    const pix = Math.floor(i / c);
    const [px, py] = [pix % w, Math.floor(pix / w)];
    const [l, t, r, b] = box.data.subarray(pix * 4, pix * 4 + 4);
    return { box: [px * sx - l!, py * sy - t!, px * sx + r!, py * sy + b!], score: heat.data[i]!, classId: i % c };
  });
}

function outputMap(model: Model, outputs: Map<number, Tensor3>, k: number): Tensor3 {
  const id = model.outputs[k];
  const t = id === undefined ? undefined : outputs.get(id);
  if (!t) throw new Error(`head: centernet model ${model.name} needs output ${k} (node ${id}); have [${[...outputs.keys()].join(', ')}]`);
  return t;
}

/** head 'centernet': peaks above the threshold → frame pixels → NMS (agnostic by default) → detections, best first. */
export function decodeCenterNet(model: Model, outputs: Map<number, Tensor3>, transform: BoxTransform, opts: DecodeOptions = {}): Prediction {
  const heat = outputMap(model, outputs, 0);
  const classes = heat.shape.c;
  const peaks = centernetPeaks(model, heat, outputMap(model, outputs, 1), opts.threshold ?? CENTERNET_THRESHOLD);
  const cands: Candidate[] = peaks.map((p) => {
    const probs = new Float32Array(classes);
    probs[p.classId] = p.score;
    const rel: Box = [p.box[0] / model.input.w, p.box[1] / model.input.h, p.box[2] / model.input.w, p.box[3] / model.input.h];
    return { box: boxToImage(transform, rel), objectness: p.score, probs };
  });
  suppress(cands, classes, opts.nmsIou ?? CENTERNET_NMS_IOU, opts.nms ?? DEFAULT_NMS);
  const detections: Detection[] = [];
  for (const cand of cands) {
    const classId = cand.probs.findIndex((p) => p > 0);
    if (classId < 0) continue;
    const [x1, y1, x2, y2] = clampBox(transform, cand.box);
    detections.push({ label: model.labels?.[classId] ?? `class ${classId}`, classId, score: cand.probs[classId]!, box: [x1, y1, x2, y2] });
  }
  detections.sort((a, b) => b.score - a.score);
  return { kind: 'detections', width: transform.image.w, height: transform.image.h, detections: detections.slice(0, opts.topK ?? Infinity) };
}
