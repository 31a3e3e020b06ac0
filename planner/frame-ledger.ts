/**
 * The planner's count of camera frames not yet answered (issue 14 §1): when the data source itself
 * dies, the frames it held die with it and nobody else can name them. The planner sees every frame
 * and every answer (predictions, or an error naming the camera), so it keeps per camera the arrival
 * times of the frames still owed an answer, oldest first (each answer settles the oldest), and
 * when a re-plan moves the data source away from a dead one it reports each of them
 * `frame-dropped`. Bounded: at most `maxPending` per camera (older ones are forgotten: a camera
 * with no data source for that long was reported by `no-plan` instead).
 */
export class FrameLedger {
  readonly #pending = new Map<string, number[]>();
  readonly #max: number;

  constructor(ctx: { maxPending?: number } = {}) {
    this.#max = ctx.maxPending ?? 256;
  }

  frame(camera: string, at = Date.now()): void {
    const q = this.#pending.get(camera) ?? [];
    q.push(at);
    if (q.length > this.#max) q.shift();
    this.#pending.set(camera, q);
  }

  answered(camera: string): void {
    this.#pending.get(camera)?.shift();
  }

  /** Take every frame still owed an answer: per camera, the arrival times. */
  takeAll(): Map<string, number[]> {
    const out = new Map([...this.#pending].filter(([, q]) => q.length > 0));
    this.#pending.clear();
    return out;
  }
}
