/**
 * What the data source remembers about a frame between ingest and head (both run there, PAPER §1):
 * camera, size, the letterbox transform for boxes, capture time and when each stage completed.
 */
import type { BoxTransform, RgbImage } from '../engine/image.ts';

export interface FrameMeta {
  readonly frame: number;
  readonly camera: string;
  readonly width: number;
  readonly height: number;
  readonly transform: BoxTransform;
  /** Capture (publish) time, epoch ms. */
  readonly frameTime: number;
  /** Monotonic start, ms. */
  readonly t0: number;
  /** Latest arrival (or local completion) per stage, ms after t0. */
  readonly stages: Map<string, number>;
  /** The decoded frame, kept for the annotated snapshot. */
  readonly image?: RgbImage;
}

export function stageLatencies(meta: FrameMeta, order: readonly string[]): { stage: string; ms: number }[] {
  const out: { stage: string; ms: number }[] = [];
  let prev = 0;
  for (const s of order) {
    const at = meta.stages.get(s);
    if (at === undefined) continue;
    out.push({ stage: s, ms: Math.round(Math.max(0, at - prev) * 10) / 10 });
    prev = Math.max(prev, at);
  }
  return out;
}
