/**
 * Re-running the frames a replaced plan still owed an answer (issue 14 §1): each keeps its frame
 * number and capture time and enters the new plan's data source before any newer frame. A frame
 * that cannot be re-run (this worker is no longer the data source, or its input fell out of the
 * retained window) is reported `frame-dropped`, so every frame ends in predictions or one error.
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { ErrorCode } from '../../shared/wire/error-codes.ts';
import type { FrameMeta } from '../tasks/frame-meta.ts';
import type { RetainedFrames } from './retained-frames.ts';

export interface RerunContext {
  /** Frames the old runtime handed over (PlanRuntime.abandon), oldest first. */
  readonly left: readonly { meta: FrameMeta; input?: Tensor3 }[];
  readonly retained: RetainedFrames;
  /** The new runtime's ingest, or undefined when this worker is not the new data source. */
  readonly ingest: ((meta: FrameMeta, input: Tensor3) => void) | undefined;
  /** Why the old plan went (for the error of a frame that cannot be re-run). */
  readonly reason: string;
  readonly error: (code: ErrorCode, message: string, extra: { frame: number; camera: string }) => void;
}

/** Returns how many frames were re-run. */
export function rerunFrames(ctx: RerunContext): number {
  let n = 0;
  for (const { meta, input: waiting } of ctx.left) {
    const input = waiting ?? ctx.retained.get(meta.frame)?.input;
    const extra = { frame: meta.frame, camera: meta.camera };
    if (!ctx.ingest) {
      ctx.error('frame-dropped', `camera ${meta.camera}: frame ${meta.frame} dropped in flight: ${ctx.reason}, and this worker is no longer the data source`, extra);
    } else if (!input) {
      ctx.error('frame-dropped', `camera ${meta.camera}: frame ${meta.frame} dropped in flight: ${ctx.reason}; its input is no longer retained (workers.retainFrames)`, extra);
    } else {
      ctx.ingest(waiting ? meta : { ...meta, stages: new Map(), rerun: (meta.rerun ?? 0) + 1 }, input);
      n++;
    }
  }
  return n;
}
