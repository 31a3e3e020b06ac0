/**
 * The head's output (DESIGN.md `head` task): decode + NMS → predictions JSON on
 * `<c>/cameras/<cam>/predictions`, and the annotated JPEG on `…/snapshot` (retained, like Frigate).
 */
import type { Model } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { decodePredictions } from '../head/index.ts';
import { annotate } from '../head/annotate.ts';
import { encodeFrameJpeg } from '../engine/image.ts';
import type { DecodeOptions, Detection, TopClass } from '../head/types.ts';
import { groupedLatencies, stageLatencies, type FrameMeta } from './frame-meta.ts';

export interface PredictionsMessage {
  camera: string;
  frame: number;
  /** Epoch seconds, like Frigate's frame_time. */
  frameTime: number;
  width: number;
  height: number;
  model: string;
  plan: string;
  detections?: Detection[];
  top?: TopClass[];
  /** `stages` per stage kind (ingest, ftp, tail, head); `detail` per plan stage only with `--debug`. */
  latencyMs: { total: number; stages: { stage: string; ms: number }[]; detail?: { stage: string; ms: number }[] };
}

export function predictionsMessage(ctx: { model: Model; plan: PlanDoc; meta: FrameMeta; outputs: Map<number, Tensor3>; now: number; decode?: DecodeOptions; detail?: boolean }): PredictionsMessage {
  const { meta } = ctx;
  const pred = decodePredictions(ctx.model, ctx.outputs, meta.transform, ctx.decode);
  const order = ctx.plan.stages.map((s) => s.id);
  const total = Math.round((ctx.now - meta.t0) * 10) / 10;
  const detail = stageLatencies(meta, order);
  const stages = groupedLatencies(detail, new Map(ctx.plan.stages.map((s) => [s.id, s.kind])), total);
  return {
    camera: meta.camera, frame: meta.frame, frameTime: meta.frameTime / 1000, width: meta.width, height: meta.height,
    model: ctx.model.name, plan: ctx.plan.planId,
    ...(pred.kind === 'detections' ? { detections: pred.detections } : { top: pred.top }),
    latencyMs: { total, stages, ...(ctx.detail ? { detail } : {}) },
  };
}

/** The annotated snapshot of a frame (boxes drawn), JPEG. */
export async function snapshotJpeg(meta: FrameMeta, msg: PredictionsMessage, quality: number): Promise<Uint8Array | undefined> {
  if (!meta.image) return undefined;
  return encodeFrameJpeg(annotate(meta.image, msg.detections ?? []), quality);
}
