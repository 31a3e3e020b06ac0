/**
 * The tasks a worker may run next, oldest frame first (issue 13 §3): a worker that took tasks
 * first-in-first-out across frames made 10 back-to-back frames finish together; taking the oldest
 * frame's ready task first lets frame k finish while frame k+1 fills the idle stages (pipelining,
 * PAPER §1: the stages of consecutive frames overlap). Within a frame, tasks keep arrival order.
 */
import type { TaskDoc } from '../../shared/plan/types.ts';

export interface QueuedTask { readonly frame: number; readonly task: TaskDoc }

export class TaskQueue {
  /** Frame → its ready tasks in arrival order; frames are few (bounded in flight), so a scan is cheap. */
  readonly #byFrame = new Map<number, TaskDoc[]>();

  get size(): number {
    let n = 0;
    for (const l of this.#byFrame.values()) n += l.length;
    return n;
  }

  push(frame: number, task: TaskDoc): void {
    const list = this.#byFrame.get(frame);
    if (list) list.push(task);
    else this.#byFrame.set(frame, [task]);
  }

  /** The first ready task of the oldest frame, or undefined. */
  shift(): QueuedTask | undefined {
    let oldest: number | undefined;
    for (const f of this.#byFrame.keys()) if (oldest === undefined || f < oldest) oldest = f;
    if (oldest === undefined) return undefined;
    const list = this.#byFrame.get(oldest)!;
    const task = list.shift()!;
    if (list.length === 0) this.#byFrame.delete(oldest);
    return { frame: oldest, task };
  }

  /** Remove and return the oldest frame's first task matching `match` (work stealing lends it). */
  take(match: (task: TaskDoc, frame: number) => boolean): QueuedTask | undefined {
    const frames = [...this.#byFrame.keys()].sort((a, b) => a - b);
    for (const frame of frames) {
      const list = this.#byFrame.get(frame)!;
      const i = list.findIndex((t) => match(t, frame));
      if (i < 0) continue;
      const [task] = list.splice(i, 1);
      if (list.length === 0) this.#byFrame.delete(frame);
      return { frame, task: task! };
    }
    return undefined;
  }

  clear(): void {
    this.#byFrame.clear();
  }
}
