/**
 * One task, end to end, on received pieces: assemble needs (stitch, or sum + finish for a reduce),
 * run the task's nodes, cut the output pieces. Engine-agnostic about where pieces come from, so the
 * in-process cluster (verify) and the MQTT worker run exactly the same code.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Model, NodeWeights } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { tensor3 } from '../../shared/tensor.ts';
import { assert } from '../../shared/errors.ts';
import type { NodeRun, PieceDoc, TaskDoc } from '../../shared/plan/types.ts';
import { selShape } from '../../shared/plan/sel.ts';
import { finalizePartial } from '../engine/kernels/index.ts';
import { toTf } from '../engine/executor.ts';
import { stitch, sumPartials, type Received } from './assemble.ts';
import { computeRuns, cropValue, liveBytes, type Value } from './compute.ts';

export interface TaskEnv {
  readonly model: Model;
  readonly pieces: ReadonlyMap<string, PieceDoc>;
  readonly cache: Map<string, unknown>;
  /** The device's weight slice for a run, or for finishing a reduce of `node`. */
  readonly weightsFor: (task: TaskDoc, run: NodeRun | { node: number; finish: true }) => NodeWeights | undefined;
}

export interface TaskResult {
  readonly outputs: Map<string, Tensor3>;
  /** Values of nodes a head task gathered (model outputs), host copies. */
  readonly gathered: Map<number, Tensor3>;
  readonly peakBytes: number;
}

function assembleNeeds(env: TaskEnv, task: TaskDoc, received: ReadonlyMap<string, Tensor3>, values: Map<number, Value>): void {
  for (const need of task.needs) {
    const got: Received[] = need.pieces.map((id) => {
      const data = received.get(id);
      assert(data, () => `worker: task ${task.id} is missing piece ${id}`);
      return { sel: env.pieces.get(id)!.sel, data };
    });
    const host = need.reduce ? sumPartials(need, got) : stitch(need, got);
    let t = toTf(host);
    if (need.reduce) {
      const node = env.model.nodes[need.sel.node]!;
      assert(node.kind === 'conv2d' || node.kind === 'dense', () => `worker: task ${task.id} reduces layer ${node.id}, a ${node.kind}`);
      const summed = t;
      t = finalizePartial(node, summed, env.weightsFor(task, { node: node.id, finish: true }));
      summed.dispose();
    }
    values.set(need.sel.node, { t, region: need.sel.region, channels: need.sel.channels });
  }
}

/** Run one task. `input` is the frame tensor for ingest tasks. */
export async function runTask(env: TaskEnv, task: TaskDoc, received: ReadonlyMap<string, Tensor3>, input?: Tensor3): Promise<TaskResult> {
  const values = new Map<number, Value>();
  let peak = 0;
  try {
    if (input) values.set(-1, { t: toTf(input), region: { y0: 0, y1: input.shape.h, x0: 0, x1: input.shape.w }, channels: { c0: 0, c1: input.shape.c } });
    assembleNeeds(env, task, received, values);
    peak = liveBytes(values);
    const keep = new Set(task.outputs.map((id) => env.pieces.get(id)!.sel.node));
    computeRuns({ model: env.model, cache: env.cache, weightsFor: (run) => env.weightsFor(task, run), onLive: (b) => (peak = Math.max(peak, b)) }, task.runs, values, keep);
    const outputs = new Map<string, Tensor3>();
    for (const id of task.outputs) {
      const p = env.pieces.get(id)!;
      const v = values.get(p.sel.node);
      assert(v, () => `worker: task ${task.id} has no value of layer ${p.sel.node} for piece ${id}`);
      const cut = tf.tidy(() => cropValue(v, p.sel.region, p.sel.channels).clone());
      outputs.set(id, tensor3(selShape(p.sel), (await cut.data()) as Float32Array));
      cut.dispose();
    }
    const gathered = new Map<number, Tensor3>();
    if (task.kind === 'head') {
      for (const [node, v] of values) gathered.set(node, tensor3(selShape(v), (await v.t.data()) as Float32Array));
    }
    return { outputs, gathered, peakBytes: peak };
  } finally {
    for (const v of values.values()) v.t.dispose();
  }
}
