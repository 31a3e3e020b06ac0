/** add (Darknet shortcut): elementwise sum of all inputs, then the activation. */
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../../shared/errors.ts';
import { activate } from './activation.ts';
import type { Kernel } from './kernel.ts';

export const addKernel: Kernel<'add'> = {
  kind: 'add',
  run(node, inputs) {
    const s0 = inputs[0]!.shape;
    for (const x of inputs) {
      assert(x.shape.every((d, i) => d === s0[i]), () => `add: input shapes [${x.shape}] and [${s0}] differ`);
    }
    const sum = inputs.length === 2 ? tf.add(inputs[0]!, inputs[1]!) : tf.addN(inputs as tf.Tensor3D[]);
    return activate(sum, node.activation) as tf.Tensor3D;
  },
};
