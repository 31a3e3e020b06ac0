/** crop (Darknet crop layer at inference): the node.out window at (top, left), mapped x → x·scale + shift. */
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../../shared/errors.ts';
import type { Kernel } from './kernel.ts';

export const cropKernel: Kernel<'crop'> = {
  kind: 'crop',
  run(node, [x]) {
    const [h, w] = x!.shape;
    const { out } = node;
    assert(node.top + out.h <= h && node.left + out.w <= w,
      () => `crop: window ${out.h}x${out.w} at (${node.top}, ${node.left}) exceeds input ${h}x${w}`);
    const y = tf.slice(x!, [node.top, node.left, 0], [out.h, out.w, -1]);
    return tf.add(tf.mul(y, node.scale), node.shift);
  },
};
