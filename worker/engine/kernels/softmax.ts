/** softmax over channels at every pixel, of x / temperature (Darknet softmax_cpu's `temp`). */
import * as tf from '@tensorflow/tfjs-core';
import type { Kernel } from './kernel.ts';

export const softmaxKernel: Kernel<'softmax'> = {
  kind: 'softmax',
  run(node, [x]) {
    return tf.softmax(node.temperature === 1 ? x! : tf.div(x!, node.temperature), -1) as tf.Tensor3D;
  },
};
