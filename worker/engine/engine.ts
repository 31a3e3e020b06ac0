/**
 * The task-level engine seam (DESIGN.md worker/engine: `compile(task) → run(inputs)`). Tasks speak
 * host tensors only, so a second engine (onnxruntime-node compiling each task's subgraph with its
 * weight slice) can replace tfjs without touching the task code.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Model, NodeWeights } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { fromTf, runGraph, toTf } from './executor.ts';
import { disposeCache, type KernelOverrides } from './kernels/index.ts';

/** A sub-DAG of the model with the weights (or slices) and per-node overrides one task runs. */
export interface TaskGraph {
  readonly model: Model;
  /** Node ids in topological order. */
  readonly nodes: readonly number[];
  /** Node ids whose outputs the task returns. */
  readonly keep: readonly number[];
  readonly weightsFor: (id: number) => NodeWeights | undefined;
  readonly overridesFor?: (id: number) => KernelOverrides | undefined;
}

export interface TaskRun {
  readonly outputs: Map<number, Tensor3>;
  /** Peak activation bytes held during the run (see RunGraphResult.peakBytes). */
  readonly peakBytes: number;
}

export interface CompiledTask {
  /** Runs on external inputs by node id (INPUT = −1 for the model input). */
  run(feeds: ReadonlyMap<number, Tensor3>): Promise<TaskRun>;
  /** Frees what compile kept (weight tensors). */
  dispose(): void;
}

export interface Engine {
  readonly name: string;
  compile(task: TaskGraph): CompiledTask;
}

/** The tfjs engine: weights are uploaded (BN folded) on the first run and reused for every frame. */
export const tfjsEngine: Engine = {
  name: 'tfjs',
  compile(task) {
    const cache = new Map<string, unknown>();
    return {
      async run(feeds) {
        const inputs = new Map<number, tf.Tensor3D>();
        let outputs: Map<number, tf.Tensor3D> | undefined;
        try {
          for (const [id, t] of feeds) inputs.set(id, toTf(t));
          const r = runGraph({
            model: task.model, nodes: task.nodes, keep: task.keep, feeds: inputs, cache,
            weightsFor: task.weightsFor, ctxFor: task.overridesFor,
          });
          outputs = r.outputs;
          const host = new Map<number, Tensor3>();
          for (const [id, t] of outputs) host.set(id, await fromTf(t));
          return { outputs: host, peakBytes: r.peakBytes };
        } finally {
          for (const t of inputs.values()) t.dispose();
          for (const t of outputs?.values() ?? []) t.dispose();
        }
      },
      dispose: () => disposeCache(cache),
    };
  },
};
