/**
 * Frames in flight per camera at the data source (issue 13 §3). Admitting every frame at once
 * shares each stage among all of them, so all finish late together; admitting at most `limit` per
 * camera keeps the pipeline full and lets frames finish one by one at the slowest stage's pace.
 * Later frames wait here, oldest first; past `maxWaiting` the oldest waiting one is dropped and
 * reported (a camera faster than the cluster must not grow memory without bound). The ingest task
 * runs a second gate before decoding (tasks/ingest.ts: latest frame wins, issue 14 §5).
 */
export interface GateContext<T> {
  readonly limit: number;
  readonly maxWaiting: number;
  /** Start a frame now. */
  readonly admit: (item: T, camera: string) => void;
  /** A waiting frame was dropped to make room. */
  readonly dropped: (item: T, camera: string) => void;
}

export class FrameGate<T> {
  readonly #ctx: GateContext<T>;
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, T[]>();

  constructor(ctx: GateContext<T>) {
    this.#ctx = ctx;
  }

  inFlight(camera: string): number {
    return this.#running.get(camera) ?? 0;
  }

  waiting(camera: string): number {
    return this.#waiting.get(camera)?.length ?? 0;
  }

  /** Start `item` if its camera has room, else queue it. */
  offer(camera: string, item: T): void {
    if (this.inFlight(camera) < this.#ctx.limit) return this.#start(camera, item);
    const q = this.#waiting.get(camera) ?? [];
    q.push(item);
    this.#waiting.set(camera, q);
    if (q.length > this.#ctx.maxWaiting) this.#ctx.dropped(q.shift()!, camera);
  }

  /** A frame of `camera` finished (or was dropped): start the next waiting one. */
  done(camera: string): void {
    const n = this.inFlight(camera);
    if (n <= 1) this.#running.delete(camera);
    else this.#running.set(camera, n - 1);
    const q = this.#waiting.get(camera);
    const next = q?.shift();
    if (q?.length === 0) this.#waiting.delete(camera);
    if (next !== undefined) this.#start(camera, next);
  }

  /** Forget everything; returns the frames that were still waiting, per camera. */
  clear(): Map<string, T[]> {
    const left = new Map(this.#waiting);
    this.#running.clear();
    this.#waiting.clear();
    return left;
  }

  #start(camera: string, item: T): void {
    this.#running.set(camera, this.inFlight(camera) + 1);
    this.#ctx.admit(item, camera);
  }
}
