/**
 * add (Darknet shortcut): elementwise sum, then the activation. Between unequal maps Darknet's
 * shortcut_cpu (src/blas.c) keeps the first input's shape, reads the second every `stride` rows
 * and columns, and adds only into the first min(C1, C2) channels; the rest pass through.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../../shared/errors.ts';
import { activate } from './activation.ts';
import type { Kernel } from './kernel.ts';

function shortcut(a: tf.Tensor3D, b: tf.Tensor3D, stride: number): tf.Tensor3D {
  const [h, w, ca] = a.shape;
  const sampled = stride > 1 ? tf.stridedSlice(b, [0, 0, 0], b.shape, [stride, stride, 1]) as tf.Tensor3D : b;
  assert(sampled.shape[0] === h && sampled.shape[1] === w,
    () => `add: shortcut input [${b.shape}] sampled every ${stride} gives [${sampled.shape}], not ${h}x${w}`);
  const minc = Math.min(ca, sampled.shape[2]);
  const sum = tf.add(tf.slice(a, [0, 0, 0], [h, w, minc]), tf.slice(sampled, [0, 0, 0], [h, w, minc])) as tf.Tensor3D;
  return minc === ca ? sum : tf.concat([sum, tf.slice(a, [0, 0, minc], [h, w, ca - minc])], 2);
}

export const addKernel: Kernel<'add'> = {
  kind: 'add',
  run(node, inputs) {
    if (node.shortcutStride !== undefined) return activate(shortcut(inputs[0]!, inputs[1]!, node.shortcutStride), node.activation) as tf.Tensor3D;
    const s0 = inputs[0]!.shape;
    for (const x of inputs) {
      assert(x.shape.every((d, i) => d === s0[i]), () => `add: input shapes [${x.shape}] and [${s0}] differ`);
    }
    const sum = inputs.length === 2 ? tf.add(inputs[0]!, inputs[1]!) : tf.addN(inputs as tf.Tensor3D[]);
    return activate(sum, node.activation) as tf.Tensor3D;
  },
};
