/**
 * Per-frame buffers of one worker: the pieces each of its tasks has received, so several frames can
 * be in flight (pipelining) and a task runs as soon as its own pieces are in. Frames past their
 * deadline are reported with the pieces still missing, never dropped silently.
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { TaskDoc } from '../../shared/plan/types.ts';

export interface FrameEntry {
  readonly frame: number;
  readonly startedAt: number;
  /** Pieces received (or produced here) for this frame. */
  readonly pieces: Map<string, Tensor3>;
  /** Tasks of this worker already queued or run for this frame. */
  readonly started: Set<string>;
  /** Tasks of this worker that have finished for this frame. */
  readonly done: Set<string>;
  /** When each piece arrived here (ms since the frame started). */
  readonly arrivals: Map<string, number>;
}

export interface StalledTask { readonly task: TaskDoc; readonly missing: string[] }

export class FrameBuffers {
  readonly #tasks: readonly TaskDoc[];
  readonly #frames = new Map<number, FrameEntry>();
  readonly #now: () => number;

  constructor(ctx: { tasks: readonly TaskDoc[]; now: () => number }) {
    this.#tasks = ctx.tasks;
    this.#now = ctx.now;
  }

  get size(): number {
    return this.#frames.size;
  }

  has(frame: number): boolean {
    return this.#frames.has(frame);
  }

  entry(frame: number): FrameEntry {
    let e = this.#frames.get(frame);
    if (!e) {
      e = { frame, startedAt: this.#now(), pieces: new Map(), started: new Set(), done: new Set(), arrivals: new Map() };
      this.#frames.set(frame, e);
    }
    return e;
  }

  /** Store a piece; returns the tasks that became ready for this frame. */
  add(frame: number, piece: string, data: Tensor3): TaskDoc[] {
    const e = this.entry(frame);
    e.pieces.set(piece, data);
    e.arrivals.set(piece, this.#now() - e.startedAt);
    return this.#tasks.filter((t) => !e.started.has(t.id) && t.needs.length > 0 &&
      t.needs.every((n) => n.pieces.every((p) => e.pieces.has(p))) && t.needs.some((n) => n.pieces.includes(piece)));
  }

  /** Mark started; once every task of the frame has started the pieces are no longer needed. */
  start(frame: number, task: string): void {
    this.entry(frame).started.add(task);
  }

  /** Record a finished task; drop the frame once every task here is done. */
  finish(frame: number, task: string): boolean {
    const e = this.#frames.get(frame);
    if (!e) return false;
    e.done.add(task);
    if (this.#tasks.some((t) => !e.done.has(t.id) && (t.kind !== 'ingest' || e.started.has(t.id)))) return false;
    this.#frames.delete(frame);
    return true;
  }

  /** Frames older than `deadlineMs`: removed, with each unstarted task and its missing pieces. */
  expire(deadlineMs: number): { frame: number; stalled: StalledTask[] }[] {
    const now = this.#now();
    const out: { frame: number; stalled: StalledTask[] }[] = [];
    for (const [frame, e] of this.#frames) {
      if (now - e.startedAt < deadlineMs) continue;
      const stalled = this.#tasks.filter((t) => t.kind !== 'ingest' && !e.started.has(t.id))
        .map((task) => ({ task, missing: task.needs.flatMap((n) => n.pieces).filter((p) => !e.pieces.has(p)) }));
      this.#frames.delete(frame);
      out.push({ frame, stalled });
    }
    return out;
  }

  clear(): void {
    this.#frames.clear();
  }
}

/** One line for a frame past its deadline: its stalled tasks and the pieces they still miss, with their senders. */
export function deadlineText(frame: number, stalled: readonly StalledTask[], deadlineMs: number, senderOf: (piece: string) => string | undefined): string {
  const missing = [...new Set(stalled.flatMap((s) => s.missing))].map((id) => `${id} (from ${senderOf(id) ?? '?'})`);
  const tasks = stalled.map((s) => s.task.id);
  return `frame ${frame}: ${tasks.length} task(s) (${tasks.slice(0, 3).join(', ')}${tasks.length > 3 ? ', …' : ''}) missed the ${deadlineMs} ms deadline; ` +
    `missing pieces: ${missing.slice(0, 6).join(', ') || 'none (never started)'}${missing.length > 6 ? ` and ${missing.length - 6} more` : ''}`;
}
