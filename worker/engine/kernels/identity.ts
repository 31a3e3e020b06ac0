/** identity (Darknet dropout at inference, single-input route): a new handle on the same data. */
import * as tf from '@tensorflow/tfjs-core';
import type { Kernel } from './kernel.ts';

export const identityKernel: Kernel<'identity'> = {
  kind: 'identity',
  run: (_node, [x]) => tf.clone(x!),
};
