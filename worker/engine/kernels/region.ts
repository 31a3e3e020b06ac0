/**
 * region (YOLOv2 head, Darknet forward_region_layer): per anchor, logistic on x, y (entries 0, 1)
 * and objectness (entry `coords`), softmax over the classes; tw, th stay raw for the decoder.
 */
import * as tf from '@tensorflow/tfjs-core';
import { entries, perAnchor } from './head.ts';
import type { Kernel } from './kernel.ts';

export const regionKernel: Kernel<'region'> = {
  kind: 'region',
  run(node, [x]) {
    const { coords, classes } = node;
    return perAnchor('region', x!, node.num, coords + 1 + classes, (v) => [
      tf.sigmoid(entries(v, 0, 2)),
      entries(v, 2, coords - 2),
      tf.sigmoid(entries(v, coords, 1)),
      tf.softmax(entries(v, coords + 1, classes), -1),
    ]);
  },
};
