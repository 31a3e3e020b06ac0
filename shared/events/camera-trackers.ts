/** One ObjectTracker per camera (tracker.ts), for the head task that sees every camera's predictions. */
import { ObjectTracker, type FrameInput, type ObjectEvent, type TrackerOptions } from './tracker.ts';

/** One tracker per camera, created on first use (DESIGN.md: a camera seen first is handled like a configured one). */
export class CameraTrackers {
  readonly #trackers = new Map<string, ObjectTracker>();
  readonly #options: (camera: string) => TrackerOptions;

  /** `options(camera)` gives each camera its labels and limits (from its config entry, if any). */
  constructor(ctx: { options?: (camera: string) => TrackerOptions } = {}) {
    this.#options = ctx.options ?? ((camera) => ({ camera }));
  }

  update(camera: string, frame: FrameInput): ObjectEvent[] {
    let t = this.#trackers.get(camera);
    if (!t) this.#trackers.set(camera, (t = new ObjectTracker({ ...this.#options(camera), camera })));
    return t.update(frame);
  }

  /** End the camera's objects and forget it. */
  flush(camera: string): ObjectEvent[] {
    const events = this.#trackers.get(camera)?.flush() ?? [];
    this.#trackers.delete(camera);
    return events;
  }
}
