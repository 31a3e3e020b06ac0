/**
 * The small seam between a worker's runtime (plan-runtime.ts) and work stealing (steal.ts): what a
 * victim lends comes off its queue and counts as done once claimed; what a thief takes runs from
 * its own list with the pieces the grant carried.
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { TaskDoc } from '../../shared/plan/types.ts';
import { Stealer, type StealContext, type StealHooks } from './steal.ts';
import type { TaskQueue } from './task-queue.ts';
import type { FrameBuffers } from './frames.ts';
import type { ErrorCode } from '../../shared/wire/error-codes.ts';

/** A queued task; `pieces` set when it is a stolen tile (its inputs came with the grant). */
export interface StolenTask { readonly frame: number; readonly task: TaskDoc; readonly pieces?: Map<string, Tensor3> }

export interface StealHooksContext {
  readonly busy: () => boolean;
  readonly queue: TaskQueue;
  readonly buffers: FrameBuffers;
  readonly stolen: StolenTask[];
  readonly error: (code: ErrorCode, message: string, extra?: { frame?: number; task?: string }) => void;
  readonly pump: () => void;
  readonly deliver: (frame: number, piece: string, data: Tensor3) => void;
}

export function stealHooks(c: StealHooksContext): StealHooks {
  return {
    busy: c.busy,
    take: (stage) => c.queue.take((t) => t.stage === stage && t.kind === 'ftp'),
    inputs: (frame, task) => {
      const have = c.buffers.entry(frame).pieces;
      return new Map(task.needs.flatMap((n) => n.pieces).map((id) => [id, have.get(id)!]));
    },
    requeue: (frame, task) => { c.queue.push(frame, task); c.pump(); },
    unqueue: (frame, task) => c.queue.take((t, f) => f === frame && t.id === task.id) !== undefined,
    lent: (frame, task) => { c.buffers.finish(frame, task.id); },
    run: (frame, task, pieces) => { c.stolen.push({ frame, task, pieces }); c.pump(); },
    deliver: c.deliver,
    error: c.error,
  };
}

/** This worker's stealer in a plan, or undefined when it holds no tile of a stage it could steal in. */
export function runtimeStealer(c: Omit<StealContext, 'hooks'> & { readonly runtime: StealHooksContext }): Stealer | undefined {
  const stealer = new Stealer({ ...c, hooks: stealHooks(c.runtime) });
  return stealer.active ? stealer : undefined;
}
