/**
 * Latest frame wins, per camera, before a frame is decoded (issue 14 §5). A camera faster than the
 * cluster used to have every frame decoded at once (100 frames back to back: data source RSS
 * 380 MB → 3.4 GB) and then wait for admission. Here at most `inFlight` frames of a camera are
 * active (decoding or running in the plan); up to `queueDepth` more wait as raw bytes, and a newer
 * frame past that replaces the oldest waiting one, which is reported once (`frame-skipped`) and
 * counted. Memory per camera is so bounded by (inFlight + queueDepth) frames, whatever the rate.
 */
export interface IntakeContext<T> {
  /** Active frames per camera (the plan runtime's frames in flight, default 2). */
  readonly inFlight: number;
  /** Raw frames per camera that may wait behind the active ones (default 2; 0 = drop while busy). */
  readonly queueDepth: number;
  /** Start decoding and running a frame; call `done(camera)` once it left the pipeline. */
  readonly start: (camera: string, item: T) => void;
  /** A waiting frame was replaced by a newer one. */
  readonly skipped: (camera: string, item: T, why: string) => void;
}

export class CameraIntake<T> {
  readonly #ctx: IntakeContext<T>;
  readonly #active = new Map<string, number>();
  readonly #waiting = new Map<string, T[]>();

  constructor(ctx: IntakeContext<T>) {
    this.#ctx = ctx;
  }

  active(camera: string): number { return this.#active.get(camera) ?? 0; }
  waiting(camera: string): number { return this.#waiting.get(camera)?.length ?? 0; }

  offer(camera: string, item: T): void {
    if (this.active(camera) < Math.max(1, this.#ctx.inFlight)) return this.#start(camera, item);
    const q = this.#waiting.get(camera) ?? [];
    q.push(item);
    this.#waiting.set(camera, q);
    if (q.length > this.#ctx.queueDepth) {
      const n = this.active(camera);
      this.#ctx.skipped(camera, q.shift()!, `${n} frame${n === 1 ? '' : 's'} in flight and ${this.#ctx.queueDepth} waiting; a newer frame replaced it`);
    }
  }

  /** A frame of `camera` left the pipeline (predictions, error, refusal): start the next waiting one. */
  done(camera: string): void {
    const n = this.active(camera);
    if (n <= 1) this.#active.delete(camera);
    else this.#active.set(camera, n - 1);
    const q = this.#waiting.get(camera);
    const next = q?.shift();
    if (q && q.length === 0) this.#waiting.delete(camera);
    if (next !== undefined) this.#start(camera, next);
  }

  /** Forget everything; returns the frames that waited, per camera. */
  clear(): Map<string, T[]> {
    const left = new Map(this.#waiting);
    this.#active.clear();
    this.#waiting.clear();
    return left;
  }

  #start(camera: string, item: T): void {
    this.#active.set(camera, this.active(camera) + 1);
    this.#ctx.start(camera, item);
  }
}
