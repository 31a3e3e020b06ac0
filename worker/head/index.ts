/**
 * The head task's decoder: the model's final map(s) → predictions (DESIGN.md, `head` task).
 * Detector boxes are mapped to frame pixels before NMS (IoU is unchanged by the per-axis scaling,
 * as in Darknet where NMS runs after correct_region_boxes) and clamped only after it, so boxes
 * leaving the frame overlap exactly as Darknet sees them.
 */
import type { Model, RegionNode, YoloNode } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { boxToImage, clampBox, type BoxTransform } from '../engine/image.ts';
import { decodeRegion, REGION_THRESHOLD } from './region.ts';
import { decodeYolo, YOLO_THRESHOLD } from './yolo.ts';
import { CLASSIFIER_TOP_K, topClasses } from './classifier.ts';
import { decodeCenterNet } from './centernet.ts';
import { suppress, DEFAULT_NMS } from './nms.ts';
import type { Candidate, DecodeOptions, Detection, Prediction } from './types.ts';

export type { Candidate, DecodeOptions, Detection, Prediction, TopClass } from './types.ts';
export { iou, doNmsSort, greedyNms, agnosticNms, suppress, DEFAULT_NMS, NMS_MODES, type NmsMode } from './nms.ts';
export { annotate } from './annotate.ts';
export { REGION_THRESHOLD, YOLO_THRESHOLD, CLASSIFIER_TOP_K };

/** Darknet's NMS threshold in test_detector and demo (`float nms = .45`). */
export const NMS_IOU = 0.45;

export function labelOf(model: Model, i: number): string {
  return model.labels?.[i] ?? `class ${i}`;
}

function outputOf(model: Model, outputs: Map<number, Tensor3>, id: number): Tensor3 {
  const t = outputs.get(id);
  if (!t) throw new Error(`head: model ${model.name} output of node ${id} is missing (have [${[...outputs.keys()].join(', ')}])`);
  return t;
}

/** Decode the model's output maps for one frame. Throws `head: …` Errors on missing or misshapen maps. */
export function decodePredictions(model: Model, outputs: Map<number, Tensor3>, transform: BoxTransform, opts: DecodeOptions = {}): Prediction {
  if (model.head === 'classifier') {
    const id = model.outputs[model.outputs.length - 1]!;
    const top = topClasses(outputOf(model, outputs, id), (i) => labelOf(model, i), opts.topK ?? CLASSIFIER_TOP_K, opts.threshold);
    return { kind: 'top', top };
  }
  if (model.head === 'centernet') return decodeCenterNet(model, outputs, transform, opts);
  if (model.head !== 'region' && model.head !== 'yolo') {
    throw new Error(`head: model ${model.name} has head '${model.head}', which has no decoder (region, yolo, classifier)`);
  }
  const thresh = opts.threshold ?? (model.head === 'region' ? REGION_THRESHOLD : YOLO_THRESHOLD);
  const cands: Candidate[] = [];
  let classes = 0;
  for (const id of model.outputs) {
    const node = model.nodes[id];
    if (node?.kind !== model.head) {
      throw new Error(`head: model ${model.name} output node ${id} is ${node?.kind ?? 'absent'}, expected ${model.head}`);
    }
    const map = outputOf(model, outputs, id);
    const found = node.kind === 'region'
      ? decodeRegion(node as RegionNode, map, thresh)
      : decodeYolo(node as YoloNode, map, model.input, thresh);
    classes = Math.max(classes, node.classes);
    cands.push(...found);
  }
  // correct_region_boxes' fractional letterbox offset, as the reference prints its boxes.
  for (const c of cands) c.box = boxToImage(transform, c.box, 'darknet');
  suppress(cands, classes, opts.nmsIou ?? NMS_IOU, opts.nms ?? DEFAULT_NMS);
  const detections = flatten(model, cands, transform).sort((a, b) => b.score - a.score);
  return { kind: 'detections', width: transform.image.w, height: transform.image.h, detections: detections.slice(0, opts.topK ?? Infinity) };
}

/** One detection per surviving (box, class), as Darknet prints one line per class above threshold. */
function flatten(model: Model, cands: readonly Candidate[], t: BoxTransform): Detection[] {
  const out: Detection[] = [];
  for (const c of cands) {
    const box = clampBox(t, c.box);
    c.probs.forEach((p, j) => {
      if (p > 0) out.push({ label: labelOf(model, j), classId: j, score: p, box: [box[0], box[1], box[2], box[3]] });
    });
  }
  return out;
}
