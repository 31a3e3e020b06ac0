/**
 * The head task's host part (DESIGN.md `head` task): decode + NMS of the gathered model outputs,
 * predictions with the camera's fps, object events from the tracker, and the annotated snapshot.
 */
import type { Model } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { Transport } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { CameraTrackers } from '../../shared/events/camera-trackers.ts';
import { predictionsMessage, snapshotJpeg } from '../runtime/head-output.ts';
import type { FrameMeta } from '../runtime/frame-meta.ts';
import type { DecodeOptions } from '../head/types.ts';

export interface HeadContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly decode?: DecodeOptions;
  /** JPEG quality of the snapshot; 0 or absent: none. */
  readonly snapshotQuality?: number;
  /** Per-stage latency detail in predictions (`--debug`). */
  readonly detail?: boolean;
}

export class HeadTask {
  readonly #ctx: HeadContext;
  readonly #trackers = new CameraTrackers();
  readonly #fps = new Map<string, number[]>();

  constructor(ctx: HeadContext) {
    this.#ctx = ctx;
  }

  /** Publishes a frame's predictions (flagged when the weights are synthetic), events and snapshot. */
  async run(model: Model, plan: PlanDoc, meta: FrameMeta, outputs: Map<number, Tensor3>, synthetic = false): Promise<void> {
    const { transport: t, topics } = this.#ctx;
    const msg = predictionsMessage({ model, plan, meta, outputs, now: performance.now(), decode: this.#ctx.decode, detail: this.#ctx.detail });
    const recent = [...(this.#fps.get(meta.camera) ?? []), Date.now()].filter((x) => Date.now() - x < 10_000);
    this.#fps.set(meta.camera, recent);
    const weights = synthetic ? { weights: 'synthetic' as const } : {};
    await topics.publish(t, topics.cameraPredictions(meta.camera), { ...msg, ...weights, fps: Math.round((recent.length / 10) * 100) / 100 });
    if (msg.detections) {
      const events = this.#trackers.update(meta.camera, { frameTime: msg.frameTime, width: msg.width, height: msg.height, detections: msg.detections });
      for (const ev of events) await topics.publish(t, topics.cameraEvents(meta.camera), ev);
    }
    const jpeg = this.#ctx.snapshotQuality ? snapshotJpeg(meta, msg, this.#ctx.snapshotQuality) : undefined;
    if (jpeg) await topics.publish(t, topics.cameraSnapshot(meta.camera), jpeg, { retain: true });
  }
}
