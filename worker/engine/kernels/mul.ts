/** mul (Darknet scale_channels, squeeze-excite): x · s, s either the same shape or 1×1×C broadcast over the map. */
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../../shared/errors.ts';
import type { Kernel } from './kernel.ts';

export const mulKernel: Kernel<'mul'> = {
  kind: 'mul',
  run(_node, inputs) {
    assert(inputs.length === 2, () => `mul: expected 2 inputs, got ${inputs.length}`);
    const [x, s] = inputs as [tf.Tensor3D, tf.Tensor3D];
    const broadcast = s.shape[0] === 1 && s.shape[1] === 1 && s.shape[2] === x.shape[2];
    assert(broadcast || s.shape.every((d, i) => d === x.shape[i]),
      () => `mul: second input [${s.shape}] is neither [${x.shape}] nor 1×1×${x.shape[2]}`);
    return tf.mul(x, s);
  },
};
