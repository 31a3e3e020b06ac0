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
  /** Re-runs on a new plan after a fault (worker/runtime/rerun.ts). */
  readonly rerun?: number;
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

/** Stage kinds as predictions report them (issue 10 #11): the tail's LOP/LIP/fused/reduce stages are one. */
export type StageGroup = 'ingest' | 'ftp' | 'tail' | 'head';

export function stageGroup(kind: string): StageGroup {
  return kind === 'ingest' || kind === 'ftp' || kind === 'head' ? kind : 'tail';
}

/**
 * Latency per stage kind, in pipeline order: each plan stage's share (as `stageLatencies`) summed by
 * kind; `head` also gets the time from the last stage to `totalMs` (decode, NMS). Network time is
 * inside the stage whose pieces it carried: the data source sees arrivals, not transfers.
 */
export function groupedLatencies(detail: readonly { stage: string; ms: number }[], kindOf: ReadonlyMap<string, string>, totalMs: number): { stage: StageGroup; ms: number }[] {
  const sums = new Map<StageGroup, number>();
  let accounted = 0;
  for (const d of detail) {
    const g = stageGroup(kindOf.get(d.stage) ?? 'tail');
    sums.set(g, (sums.get(g) ?? 0) + d.ms);
    accounted += d.ms;
  }
  sums.set('head', (sums.get('head') ?? 0) + Math.max(0, totalMs - accounted));
  const order: StageGroup[] = ['ingest', 'ftp', 'tail', 'head'];
  return order.filter((g) => sums.has(g)).map((g) => ({ stage: g, ms: Math.round(sums.get(g)! * 10) / 10 }));
}
