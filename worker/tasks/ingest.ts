/**
 * The ingest task's host half (DESIGN.md `ingest` task, PAPER §1: the data source): a camera
 * payload → the model's input tensor and the frame's metadata. Decode with sharp or the JS
 * fallback (engine/image.ts), letterbox (engine/image-resize.ts), remember size, transform and
 * capture time for the head. Decodes run in parallel (sharp works off the event loop); frames of a
 * camera still enter the plan in arrival order. Before decoding, latest frame wins per camera
 * (runtime/frame-gate.ts, issue 14 §5): a camera faster than the cluster gets `frame-skipped`. The compiled half (layers the ingest task runs,
 * cutting the frame into pieces) runs in run-task.ts like any other task's.
 */
import type { Model } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { toModelInput } from '../engine/image.ts';
import { decodeCameraPayload } from './ingest-payload.ts';
import type { FrameMeta } from './frame-meta.ts';
import type { ReportError, TaskCounters } from './report.ts';
import { FrameGate } from '../runtime/frame-gate.ts';

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
  /** Hand a numbered frame to the plan (the runtime's frame gate); false when it did not enter. */
  readonly enter: (frame: number, prepared: PreparedFrame) => boolean;
  /** Frames per camera decoding or in the plan at once (default 2); call `done(camera)` as each leaves. */
  readonly framesInFlight?: number;
  /** Undecoded frames per camera that wait behind those (default 2). */
  readonly queueDepth?: number;
}

export class IngestTask {
  readonly #ctx: IngestContext;
  /** Per camera: the last frame's hand-over, so frames enter in arrival order. */
  readonly #arrivals = new Map<string, Promise<void>>();
  readonly #intake: FrameGate<{ payload: Uint8Array; at: number }>;
  #heir: ((camera: string, payload: Uint8Array) => void) | undefined;

  constructor(ctx: IngestContext) {
    this.#ctx = ctx;
    const queueDepth = ctx.queueDepth ?? 2;
    this.#intake = new FrameGate({
      limit: Math.max(1, ctx.framesInFlight ?? 2), maxWaiting: queueDepth,
      admit: ({ payload }, camera) => this.#start(camera, payload),
      dropped: ({ at }, camera) => {
        const n = this.#intake.inFlight(camera);
        ctx.counters.skippedFrames++;
        ctx.error('frame-skipped', `camera ${camera}: frame received at ${new Date(at).toISOString()} skipped: ${n} frame${n === 1 ? '' : 's'} in flight and ${queueDepth} waiting; a newer frame replaced it`, { camera });
      },
    });
  }

  /** Take a camera payload; oversize or undecodable ones are counted and reported, never thrown. */
  offer(camera: string, payload: Uint8Array): void {
    const limit = this.#ctx.maxFrameBytes ?? MAX_FRAME_BYTES;
    if (payload.length > limit) {
      this.#ctx.counters.oversizeFrames++;
      return this.#ctx.error('frame-too-large', `camera ${camera}: frame of ${payload.length} bytes exceeds the limit of ${limit} bytes`, { camera });
    }
    this.#intake.offer(camera, { payload, at: Date.now() });
  }

  /** A frame of `camera` left the plan: the next waiting one starts. */
  done(camera: string): void {
    this.#intake.done(camera);
  }

  /** Frames of `camera` here: decoding or in the plan, and waiting undecoded. */
  load(camera: string): { active: number; waiting: number } {
    return { active: this.#intake.inFlight(camera), waiting: this.#intake.waiting(camera) };
  }

  /**
   * The plan is abandoned for another (issue 14 §1): frames still waiting undecoded, and those being
   * decoded now, go to `heir` (the next plan's intake) instead of being dropped.
   */
  handOver(heir: (camera: string, payload: Uint8Array) => void): void {
    this.#heir = heir;
    for (const [camera, waiting] of this.#intake.clear()) for (const { payload } of waiting) heir(camera, payload);
  }

  /** The plan stopped: frames still waiting undecoded are reported, never lost silently. */
  stop(reason: string): void {
    for (const [camera, waiting] of this.#intake.clear()) {
      for (const { at } of waiting) this.#ctx.error('frame-dropped', `camera ${camera}: frame received at ${new Date(at).toISOString()} dropped while it waited: ${reason}`, { camera });
    }
  }

  #start(camera: string, payload: Uint8Array): void {
    const decoded = this.#decode(camera, payload);
    const prev = this.#arrivals.get(camera) ?? Promise.resolve();
    const next = prev.then(async () => {
      if (!this.#enter(camera, await decoded, payload)) this.#intake.done(camera);
    });
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

  /** False when the frame did not enter the plan (it holds no place in the intake then). */
  #enter(camera: string, frame: PreparedFrame | undefined, payload: Uint8Array): boolean {
    if (!frame) return false;
    if (!this.#ctx.open() && this.#heir) {
      this.#heir(camera, payload);
      return false;
    }
    if (!this.#ctx.open()) {
      this.#ctx.error('frame-dropped', `camera ${camera}: frame dropped: the plan changed while it was decoded`, { camera });
      return false;
    }
    return this.#ctx.enter(++this.#ctx.counters.frames, frame);
  }
}
