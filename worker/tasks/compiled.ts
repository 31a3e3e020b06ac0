/**
 * A device's compiled tasks for one plan: each task's program is compiled on first use and kept
 * until the plan ends (compile once, weights loaded once per plan; the per-frame cost is the run).
 */
import type { Model, NodeWeights } from '../../shared/model/ir.ts';
import type { NodeRun, PieceDoc, TaskDoc } from '../../shared/plan/types.ts';
import { computedNodes, taskProgram, type TaskProgram } from '../../shared/plan/program.ts';
import type { CompiledTask, Engine } from '../engine/engine.ts';

export type WeightUse = NodeRun | { readonly node: number; readonly finish: true };

export interface CompiledTasksContext {
  readonly model: Model;
  readonly pieces: ReadonlyMap<string, PieceDoc>;
  readonly engine: Engine;
  /** The device's weight slice for a run, or for finishing a reduce (WeightStore.get). */
  readonly weightsFor: (task: TaskDoc, use: WeightUse) => NodeWeights | undefined;
}

export interface TaskUnit {
  readonly program: TaskProgram;
  /** Absent when the task computes nothing (ingest and head cut and gather on the host). */
  readonly compiled?: CompiledTask;
}

/** The program of a plan task: ingest feeds the frame; head keeps every value it gathers. */
export function programOf(model: Model, pieces: ReadonlyMap<string, PieceDoc>, task: TaskDoc): TaskProgram {
  const keep = new Set(task.outputs.map((id) => pieces.get(id)!.sel.node));
  if (task.kind === 'head') for (const n of task.needs) keep.add(n.sel.node);
  const p = taskProgram(model, task.id, task.needs, task.runs, [...keep], task.kind === 'ingest');
  return task.kind === 'head' ? p : { ...p, cuts: task.outputs.map((id) => pieces.get(id)!.sel) };
}

export class CompiledTasks {
  readonly #ctx: CompiledTasksContext;
  readonly #units = new Map<string, Promise<TaskUnit>>();

  constructor(ctx: CompiledTasksContext) {
    this.#ctx = ctx;
  }

  get engine(): string { return this.#ctx.engine.name; }

  get(task: TaskDoc): Promise<TaskUnit> {
    let u = this.#units.get(task.id);
    if (u === undefined) {
      u = this.#compile(task);
      this.#units.set(task.id, u);
      u.catch(() => this.#units.delete(task.id));
    }
    return u;
  }

  async #compile(task: TaskDoc): Promise<TaskUnit> {
    const program = programOf(this.#ctx.model, this.#ctx.pieces, task);
    if (computedNodes(program).size === 0) return { program };
    const compiled = await this.#ctx.engine.compile(program, (use) => this.#ctx.weightsFor(task, use));
    return { program, compiled };
  }

  /** Frees every compiled task (plan replaced or stopped). */
  async dispose(): Promise<void> {
    const units = [...this.#units.values()];
    this.#units.clear();
    for (const u of await Promise.allSettled(units)) if (u.status === 'fulfilled') u.value.compiled?.dispose();
  }
}
