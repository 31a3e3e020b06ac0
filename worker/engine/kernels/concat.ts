/**
 * concat (Darknet route): channels of the inputs in order. With `groups` > 1 Darknet's
 * forward_route_layer keeps channel group `groupId` of EACH input (part_input_size·group_id) before
 * concatenating; with one input (the only use in the cfgs, e.g. yolov4-tiny) that is the same as
 * slicing the concatenation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../../shared/errors.ts';
import type { Kernel } from './kernel.ts';

export const concatKernel: Kernel<'concat'> = {
  kind: 'concat',
  run(node, inputs) {
    const parts = node.groups <= 1 ? inputs : inputs.map((x) => {
      const c = x.shape[2];
      assert(c % node.groups === 0, () => `concat: ${c} channels do not split into ${node.groups} groups`);
      const part = c / node.groups;
      return tf.slice(x, [0, 0, node.groupId * part], [-1, -1, part]);
    });
    return parts.length === 1 ? tf.clone(parts[0]!) : tf.concat(parts as tf.Tensor3D[], 2);
  },
};
