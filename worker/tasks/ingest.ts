/**
 * The ingest task's host half (DESIGN.md `ingest` task, PAPER §1: the data source): a camera
 * payload → the model's input tensor and the frame's metadata. Decode with sharp or the JS
 * fallback (engine/image.ts), letterbox (engine/image-resize.ts), remember size, transform and
 * capture time for the head. Decodes run in parallel (sharp works off the event loop); frames of a
 * camera still enter the plan in arrival order. The compiled half (layers the ingest task runs,
 * cutting the frame into pieces) runs in run-task.ts like any other task's.
 */
import type { Model } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { toModelInput } from '../engine/image.ts';
import { decodeCameraPayload } from './ingest-payload.ts';
import type { FrameMeta } from './frame-meta.ts';
import type { ReportError, TaskCounters } from './report.ts';

/** A decoded, letterboxed frame before it is numbered. */
export interface PreparedFrame { readonly meta: Omit<FrameMeta, 'frame'>; readonly input: Tensor3 }

/** Default bound of a camera payload (config `worker.maxFrameBytes`). */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Decode and letterbox one camera payload. Throws coded `image: …` errors on unusable input. */
export async function prepareFrame(model: Model, camera: string, payload: Uint8Array): Promise<PreparedFrame> {
  const t0 = performance.now(), frameTime = Date.now();
  const image = await decodeCameraPayload(payload);
  const prepared = toModelInput(image, model.input, model.preprocess);
  return { meta: { camera, width: image.width, height: image.height, transform: prepared.transform, frameTime, t0, stages: new Map(), image }, input: prepared.tensor };
}

export interface IngestContext {
  readonly model: Model;
  readonly maxFrameBytes?: number;
  readonly counters: TaskCounters;
  readonly error: ReportError;
  /** False once the plan this ingest feeds has stopped. */
  readonly open: () => boolean;
  /** Hand a numbered frame to the plan (the runtime's frame gate). */
  readonly enter: (frame: number, prepared: PreparedFrame) => void;
}

export class IngestTask {
  readonly #ctx: IngestContext;
  /** Per camera: the last frame's hand-over, so frames enter in arrival order. */
  readonly #arrivals = new Map<string, Promise<void>>();

  constructor(ctx: IngestContext) {
    this.#ctx = ctx;
  }

  /** Take a camera payload; oversize or undecodable ones are counted and reported, never thrown. */
  offer(camera: string, payload: Uint8Array): void {
    const limit = this.#ctx.maxFrameBytes ?? MAX_FRAME_BYTES;
    if (payload.length > limit) {
      this.#ctx.counters.oversizeFrames++;
      return this.#ctx.error('frame-too-large', `camera ${camera}: frame of ${payload.length} bytes exceeds the limit of ${limit} bytes`, { camera });
    }
    const decoded = this.#decode(camera, payload);
    const prev = this.#arrivals.get(camera) ?? Promise.resolve();
    const next = prev.then(async () => this.#enter(camera, await decoded));
    this.#arrivals.set(camera, next);
    void next.finally(() => { if (this.#arrivals.get(camera) === next) this.#arrivals.delete(camera); });
  }

  async #decode(camera: string, payload: Uint8Array): Promise<PreparedFrame | undefined> {
    try {
      return await prepareFrame(this.#ctx.model, camera, payload);
    } catch (e) {
      this.#ctx.counters.badFrames++;
      this.#ctx.error('bad-frame', `camera ${camera}: ${(e as Error).message}`, { camera });
      return undefined;
    }
  }

  #enter(camera: string, frame: PreparedFrame | undefined): void {
    if (!frame) return;
    if (!this.#ctx.open()) return this.#ctx.error('frame-dropped', `camera ${camera}: frame dropped: the plan changed while it was decoded`, { camera });
    this.#ctx.enter(++this.#ctx.counters.frames, frame);
  }
}
