/**
 * The executor: compile a task program on an engine and run it on host tensors. Every task (a tile
 * of a fused stack, a weight slice, an ingest cut) goes through here; runReference is the
 * single-device reference every plan must reproduce (DESIGN.md "Correctness rule"): the executor
 * with one task, the whole model.
 */
import { type Model, type Weights } from '../../shared/model/ir.ts';
import { assert } from '../../shared/errors.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { modelProgram, type ProgramWeights, type TaskProgram } from '../../shared/plan/program.ts';
import type { CompiledTask, Engine, TaskRun } from './engine.ts';
import { tfjsEngine } from './tfjs-engine.ts';

export { fromTf, toTf } from './tfjs-engine.ts';

/** Compile, run once, dispose: for one-off runs (tests, verify); long-lived tasks keep the compiled one. */
export async function runProgram(engine: Engine, p: TaskProgram, weights: ProgramWeights, feeds: readonly Tensor3[]): Promise<TaskRun> {
  const task = await engine.compile(p, weights);
  try {
    return await task.run(feeds);
  } finally {
    task.dispose();
  }
}

/** Whole-model weights as program weights (the reference holds every layer whole). */
export const wholeWeights = (weights: Weights): ProgramWeights => (use) => weights.get(use.node);

export interface ReferenceOptions {
  /** Return every node's output, not just model.outputs (debugging, tests; holds all of them at once). */
  readonly all?: boolean;
  /** Default tfjs. */
  readonly engine?: Engine;
  /** A task compiled by compileReference, reused across calls (benchmarks, `plan --measure`). */
  readonly compiled?: CompiledTask;
}

/** The whole model as one compiled task. */
export function compileReference(engine: Engine, model: Model, weights: Weights, all = false): Promise<CompiledTask> {
  return engine.compile(modelProgram(model, all), wholeWeights(weights));
}

/** The whole model on this device: model.outputs (or every node) as host tensors. */
export async function runReference(model: Model, weights: Weights, input: Tensor3, opts: ReferenceOptions = {}): Promise<Map<number, Tensor3>> {
  const [s, m] = [input.shape, model.input];
  assert(s.h === m.h && s.w === m.w && s.c === m.c,
    () => `engine: input ${s.h}x${s.w}x${s.c} does not match ${model.name}'s input ${m.h}x${m.w}x${m.c}`);
  if (opts.compiled) return (await opts.compiled.run([input])).outputs;
  const r = await runProgram(opts.engine ?? tfjsEngine, modelProgram(model, opts.all), wholeWeights(weights), [input]);
  return r.outputs;
}
