/**
 * The tfjs engine: a program's steps run eagerly with the registered kernels; weight tensors (BN
 * folded) are uploaded on the first run and kept until dispose; each intermediate is freed after
 * its last consumer (memory is the scarce resource on the devices, PAPER §5).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor3 } from '../../shared/tensor.ts';
import { tensor3 } from '../../shared/tensor.ts';
import { assert } from '../../shared/errors.ts';
import { computedNodes, feedTensors, programPeakBytes, selDims, type ProgramWeights, type TaskProgram } from '../../shared/plan/program.ts';
import { disposeCache, finalizePartial } from './kernels/index.ts';
import { runStep, type Value } from './tfjs-steps.ts';
import type { CompiledTask, Engine } from './engine.ts';

/** A host tensor as a backend tensor (the backend copies or adopts `t.data`; don't mutate it after). */
export function toTf(t: Tensor3): tf.Tensor3D {
  return tf.tensor3d(t.data, [t.shape.h, t.shape.w, t.shape.c], 'float32');
}

/** A backend tensor as a host tensor; `x` stays alive (the caller disposes it). */
export async function fromTf(x: tf.Tensor): Promise<Tensor3> {
  assert(x.rank === 3 && x.dtype === 'float32', () => `engine: expected a float32 H×W×C tensor, got ${x.dtype} [${x.shape}]`);
  const [h, w, c] = x.shape as [number, number, number];
  return tensor3({ h, w, c }, (await x.data()) as Float32Array);
}

/** Feed `k` from its host tensors (several: partial sums, added here). */
function feed(p: TaskProgram, k: number, hosts: readonly Tensor3[], weights: ProgramWeights): Value {
  const f = p.feeds[k]!;
  const want = selDims(f);
  for (const host of hosts) {
    assert(host.shape.h === want[0] && host.shape.w === want[1] && host.shape.c === want[2],
      () => `engine: task ${p.name} feed ${k} (layer ${f.node}) is ${host.shape.h}x${host.shape.w}x${host.shape.c}, expected ${want.join('x')}`);
  }
  let t = hosts.length === 1 ? toTf(hosts[0]!) : tf.tidy(() => tf.addN(hosts.map(toTf)));
  if (f.finish) {
    const node = p.model.nodes[f.node]!;
    assert(node.kind === 'conv2d' || node.kind === 'dense', () => `engine: task ${p.name} finishes layer ${node.id}, a ${node.kind}`);
    const sum = t;
    t = finalizePartial(node, sum, weights({ node: f.node, finish: true }));
    sum.dispose();
  }
  return { ...f, t };
}

/** Runs the steps, freeing each value after its last use unless kept; returns the kept computed values. */
function execute(p: TaskProgram, values: Map<number, Value>, weights: ProgramWeights, cache: Map<string, unknown>): Map<number, tf.Tensor3D> {
  const keep = new Set(p.keep);
  const lastUse = new Map<number, number>();
  p.steps.forEach((s, i) => s.inputs.forEach((v) => lastUse.set(v.node, i)));
  p.steps.forEach((step, i) => {
    values.set(step.node, runStep(p.model.nodes[step.node]!, step, values, weights(step), cache));
    for (const [src, last] of lastUse) {
      if (last === i && !keep.has(src)) {
        values.get(src)?.t.dispose();
        values.delete(src);
      }
    }
  });
  const computed = computedNodes(p);
  return new Map(p.keep.filter((n) => computed.has(n)).map((n) => [n, values.get(n)!.t]));
}

/** Compiles a program for tfjs; `backend` names the active tfjs backend for logs and reports. */
export function compileTfjs(p: TaskProgram, weights: ProgramWeights, backend = tf.getBackend()): CompiledTask {
  const cache = new Map<string, unknown>();
  const peakBytes = programPeakBytes(p);
  return {
    engine: `tfjs-${backend}`,
    async run(feeds) {
      assert(feeds.length === feedTensors(p), () => `engine: task ${p.name} takes ${feedTensors(p)} feed tensors, got ${feeds.length}`);
      const values = new Map<number, Value>();
      try {
        let first = 0;
        p.feeds.forEach((f, k) => {
          values.set(f.node, feed(p, k, feeds.slice(first, first + (f.parts ?? 1)), weights));
          first += f.parts ?? 1;
        });
        const kept = execute(p, values, weights, cache);
        const outputs = new Map<number, Tensor3>();
        for (const [n, t] of kept) outputs.set(n, await fromTf(t));
        return { outputs, peakBytes };
      } finally {
        for (const v of values.values()) v.t.dispose();
      }
    },
    dispose: () => disposeCache(cache),
  };
}

export const tfjsEngine: Engine = { name: 'tfjs', compile: async (p, w) => compileTfjs(p, w) };
