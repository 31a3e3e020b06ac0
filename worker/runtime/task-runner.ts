/**
 * Runs one task of a worker's part of a plan (plan-runtime.ts, which picks the order): its outputs
 * go to this worker's own consumers directly and to the outbox once, and a head task answers its
 * frame at the data source. A stolen tile (steal.ts) runs on the pieces its grant carried.
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { PieceDoc } from '../../shared/plan/types.ts';
import { runTask } from '../tasks/run-task.ts';
import type { CompiledTasks } from '../tasks/compiled.ts';
import type { FrameBuffers } from './frames.ts';
import type { Outbox } from './outbox.ts';
import type { SourceFrames } from './source-frames.ts';
import type { StolenTask } from './steal-hooks.ts';
import type { PlanRuntimeContext } from './runtime-context.ts';

export interface TaskRunnerContext extends Pick<PlanRuntimeContext, 'observe' | 'captureStamp' | 'head' | 'error'> {
  readonly pieces: ReadonlyMap<string, PieceDoc>;
  readonly compiled: CompiledTasks;
  readonly buffers: FrameBuffers;
  readonly source: SourceFrames;
  readonly outbox: Outbox;
  /** This worker consumes the piece itself. */
  readonly local: (piece: string) => boolean;
  readonly deliver: (frame: number, piece: string, data: Tensor3) => void;
  readonly now: () => number;
  readonly stopped: () => boolean;
  /** A stolen tile ran: the thief may take another. */
  readonly stolenRan: () => void;
}

export class TaskRunner {
  readonly #c: TaskRunnerContext;

  constructor(c: TaskRunnerContext) {
    this.#c = c;
  }

  /** `pieces`: a stolen tile's inputs, which came with its grant (not this worker's frame buffers). */
  async run({ frame, task, pieces }: StolenTask): Promise<void> {
    const c = this.#c;
    const entry = pieces ? undefined : c.buffers.entry(frame);
    const input = task.kind === 'ingest' ? c.source.takeInput(frame) : undefined;
    try {
      const r = await runTask({ pieces: c.pieces, tasks: c.compiled }, task, pieces ?? entry!.pieces, input);
      c.observe?.ran?.(frame, task, r.peakBytes);
      const meta = c.source.meta(frame);
      const stamp = c.captureStamp === false ? undefined : meta?.frameTime ?? Date.now();
      for (const [id, data] of r.outputs) {
        if (c.local(id)) c.deliver(frame, id, data);
        await c.outbox.send(frame, c.pieces.get(id)!, data, stamp);
      }
      // Stopped meanwhile: the frame was handed over (re-run) or reported; a late answer would be a second one.
      if (c.stopped()) return;
      if (task.kind === 'head' && meta) {
        meta.stages.set(task.stage, c.now() - meta.t0);
        c.source.done(frame);
        await c.head?.run({ meta, outputs: r.gathered });
      }
    } catch (e) {
      if (c.stopped()) return;
      const camera = c.source.meta(frame)?.camera;
      if (task.kind === 'head') c.source.done(frame);
      c.error('task-failed', `frame ${frame}: task ${task.id}: ${(e as Error).message}`, { frame, task: task.id, ...(camera ? { camera } : {}) });
    }
    if (pieces) c.stolenRan();
    else c.buffers.finish(frame, task.id);
  }
}
