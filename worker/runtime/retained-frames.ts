/**
 * The data source's memory of the frames it admitted (issue 14 §1): the preprocessed input of the
 * last K frames per camera, until each is answered (predictions or a coded error). When a fault
 * replaces the plan, the frames still in flight are re-run on the new plan from here, with their
 * frame number and capture time; a frame that fell out of the window can only be reported dropped.
 * Bounded: at most K inputs per camera (K = `workers.retainFrames`, default 4).
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { FrameMeta } from '../tasks/frame-meta.ts';

export const DEFAULT_RETAINED_FRAMES = 4;

export interface RetainedFrame { readonly meta: FrameMeta; readonly input: Tensor3 }

export class RetainedFrames {
  readonly #perCamera: number;
  /** Per camera, oldest first. */
  readonly #frames = new Map<string, RetainedFrame[]>();

  constructor(ctx: { perCamera?: number } = {}) {
    this.#perCamera = Math.max(0, ctx.perCamera ?? DEFAULT_RETAINED_FRAMES);
  }

  get size(): number {
    let n = 0;
    for (const q of this.#frames.values()) n += q.length;
    return n;
  }

  /** Remember an admitted frame; the camera's oldest one leaves the window past K. */
  keep(meta: FrameMeta, input: Tensor3): void {
    if (this.#perCamera === 0) return;
    const q = this.#frames.get(meta.camera) ?? [];
    if (q.some((f) => f.meta.frame === meta.frame)) return; // re-run: kept already
    q.push({ meta, input });
    if (q.length > this.#perCamera) q.shift();
    this.#frames.set(meta.camera, q);
  }

  /** The frame was answered: nothing to re-run for it any more. */
  release(frame: number): void {
    for (const [cam, q] of this.#frames) {
      const i = q.findIndex((f) => f.meta.frame === frame);
      if (i < 0) continue;
      q.splice(i, 1);
      if (q.length === 0) this.#frames.delete(cam);
      return;
    }
  }

  /** The retained copy of `frame`, if it is still in the window. */
  get(frame: number): RetainedFrame | undefined {
    for (const q of this.#frames.values()) {
      const f = q.find((x) => x.meta.frame === frame);
      if (f) return f;
    }
    return undefined;
  }

  clear(): void {
    this.#frames.clear();
  }
}
