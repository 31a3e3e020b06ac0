/**
 * The frames a data source has in flight (PAPER §1: ingest and head both run there): each one's
 * metadata from ingest until its head finishes, its letterboxed input until the ingest task runs,
 * and admission per camera through the frame gate (issue 13 §3). A frame that leaves without a head
 * result (stopped, overflowed) is reported, never lost silently.
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { FrameMeta } from '../tasks/frame-meta.ts';
import type { ReportError } from '../tasks/report.ts';
import { FrameGate } from './frame-gate.ts';

/**
 * Frames of one camera waiting for admission beyond those in flight; past this the oldest waiting
 * one is dropped and reported. 32 decoded frames of 608×608 are ~150 MB: a burst of a few seconds
 * of a camera is absorbed, a camera that is always faster than the cluster is not.
 */
const MAX_WAITING_FRAMES = 32;

export interface SourceFramesContext {
  /** Frames per camera run at once (default 2); later ones wait, oldest first. */
  readonly framesInFlight?: number;
  readonly error: ReportError;
  /** A frame was admitted: queue its ingest task. */
  readonly start: (frame: number) => void;
  /** A frame of `camera` left (head done, failed or expired): the ingest task lets the next one in. */
  readonly left?: (camera: string) => void;
}

export class SourceFrames {
  readonly #ctx: SourceFramesContext;
  readonly #gate: FrameGate<{ meta: FrameMeta; input: Tensor3 }>;
  readonly #meta = new Map<number, FrameMeta>();
  /** Admitted frames waiting for their ingest task. */
  readonly #inputs = new Map<number, Tensor3>();

  constructor(ctx: SourceFramesContext) {
    this.#ctx = ctx;
    const limit = ctx.framesInFlight ?? 2;
    this.#gate = new FrameGate({
      limit: Math.max(1, limit), maxWaiting: MAX_WAITING_FRAMES, admit: (f) => this.#admit(f),
      dropped: ({ meta }, cam) => ctx.error('frame-dropped', `camera ${cam}: frame ${meta.frame} dropped: more than ${MAX_WAITING_FRAMES} frames wait behind the ${limit} in flight`, { frame: meta.frame, camera: cam }),
    });
  }

  /** Run the frame once its camera has room. */
  offer(meta: FrameMeta, input: Tensor3): void {
    this.#gate.offer(meta.camera, { meta, input });
  }

  meta(frame: number): FrameMeta | undefined {
    return this.#meta.get(frame);
  }

  /** The frame's input, handed over once to its ingest task. */
  takeInput(frame: number): Tensor3 | undefined {
    const input = this.#inputs.get(frame);
    this.#inputs.delete(frame);
    return input;
  }

  /** The frame left the data source (head done, failed or expired): its camera may admit the next. */
  done(frame: number): void {
    const meta = this.#meta.get(frame);
    if (!meta) return;
    this.#meta.delete(frame);
    this.#gate.done(meta.camera);
    this.#ctx.left?.(meta.camera);
  }

  /** Frames of `camera` admitted and not yet finished, and those waiting. */
  load(camera: string): { inFlight: number; waiting: number } {
    return { inFlight: this.#gate.inFlight(camera), waiting: this.#gate.waiting(camera) };
  }

  /** Forget every frame, reporting each one admitted or waiting. */
  stop(reason: string): void {
    for (const { meta } of [...this.#gate.clear().values()].flat()) this.#meta.set(meta.frame, meta);
    for (const [frame, meta] of this.#meta) this.#ctx.error('frame-dropped', `frame ${frame}: dropped in flight: ${reason}`, { frame, camera: meta.camera });
    this.#meta.clear();
    this.#inputs.clear();
  }

  /**
   * Forget every frame without reporting: hand them over, oldest first, for a re-run on the next
   * plan (issue 14 §1, worker/runtime/rerun.ts); frames not yet admitted come with their input.
   */
  abandon(): { meta: FrameMeta; input?: Tensor3 }[] {
    const out: { meta: FrameMeta; input?: Tensor3 }[] = [...this.#meta.values()].map((meta) => ({ meta, input: this.#inputs.get(meta.frame) }));
    out.push(...[...this.#gate.clear().values()].flat());
    this.#meta.clear();
    this.#inputs.clear();
    return out.sort((a, b) => a.meta.frame - b.meta.frame);
  }

  #admit({ meta, input }: { meta: FrameMeta; input: Tensor3 }): void {
    this.#meta.set(meta.frame, meta);
    this.#inputs.set(meta.frame, input);
    this.#ctx.start(meta.frame);
  }
}
