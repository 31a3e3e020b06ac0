/**
 * The head task's host half (DESIGN.md `head` task, PAPER §1: back on the data source): the model's
 * gathered output maps → decode and NMS (worker/head/) → predictions on `<c>/cameras/<cam>/predictions`,
 * tracker events on `…/events`, and the annotated snapshot (retained, like Frigate). The compiled
 * half (gathering the maps) runs in run-task.ts like any other task's. Trackers and frame rates
 * live as long as the worker: a re-plan must not make every tracked object "new" again.
 */
import type { Model } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { Transport } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { CameraTrackers } from '../../shared/events/camera-trackers.ts';
import type { DecodeOptions, NmsMode } from '../head/types.ts';
import { predictionsMessage, snapshotJpeg } from './head-output.ts';
import type { FrameMeta } from './frame-meta.ts';
import type { TaskCounters } from './report.ts';

/** What a plan's head step gets: the frame's metadata and its gathered model outputs. */
export interface HeadInput { readonly meta: FrameMeta; readonly outputs: Map<number, Tensor3> }

/** The host half of a head task, as the runtime calls it (HeadTask on a worker, a collector in verify). */
export interface HeadStep { run(input: HeadInput): Promise<void> }

export interface HeadOptions {
  /** Detection threshold / NMS options of the head (default: the model's). */
  readonly decode?: DecodeOptions;
  /** Per camera: its threshold, NMS and snapshot quality (0 = none) win over the above. */
  readonly cameras?: ReadonlyMap<string, { threshold?: number; nms?: NmsMode; snapshotQuality: number }>;
  readonly snapshotQuality?: number;
  /** Per plan stage latencies in predictions (`--debug`), besides the per kind ones. */
  readonly latencyDetail?: boolean;
}

export interface HeadContext extends HeadOptions {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly counters: TaskCounters;
}

/** The plan a head step runs for: model, plan and where its weights came from. */
export interface HeadPlan { readonly model: Model; readonly plan: PlanDoc; readonly synthetic: boolean }

export class HeadTask {
  readonly #ctx: HeadContext;
  readonly #trackers = new CameraTrackers();
  readonly #fps = new Map<string, number[]>();

  constructor(ctx: HeadContext) {
    this.#ctx = ctx;
  }

  /** The head step of one plan. */
  step(p: HeadPlan): HeadStep {
    return { run: (input) => this.#run(p, input) };
  }

  async #run(p: HeadPlan, { meta, outputs }: HeadInput): Promise<void> {
    const { transport: t, topics } = this.#ctx;
    const cam = this.#ctx.cameras?.get(meta.camera);
    const decode = { ...this.#ctx.decode, ...(cam?.threshold === undefined ? {} : { threshold: cam.threshold }), ...(cam?.nms ? { nms: cam.nms } : {}) };
    const msg = predictionsMessage({ model: p.model, plan: p.plan, meta, outputs, now: performance.now(), decode, detail: this.#ctx.latencyDetail });
    const weights = p.synthetic ? { weights: 'synthetic' as const } : {};
    await topics.publish(t, topics.cameraPredictions(meta.camera), { ...msg, ...weights, ...(meta.rerun ? { rerun: meta.rerun } : {}), fps: this.#fpsOf(meta.camera) });
    this.#ctx.counters.predictions++;
    if (msg.detections) {
      const events = this.#trackers.update(meta.camera, { frameTime: msg.frameTime, width: msg.width, height: msg.height, detections: msg.detections });
      for (const ev of events) await topics.publish(t, topics.cameraEvents(meta.camera), ev);
    }
    const quality = cam ? cam.snapshotQuality : this.#ctx.snapshotQuality;
    const jpeg = quality ? await snapshotJpeg(meta, msg, quality) : undefined;
    if (jpeg) await topics.publish(t, topics.cameraSnapshot(meta.camera), jpeg, { retain: true });
  }

  /** Frames per second of a camera over the last 10 s, this frame included. */
  #fpsOf(camera: string): number {
    const recent = [...(this.#fps.get(camera) ?? []), Date.now()].filter((x) => Date.now() - x < 10_000);
    this.#fps.set(camera, recent);
    return Math.round((recent.length / 10) * 100) / 100;
  }
}
