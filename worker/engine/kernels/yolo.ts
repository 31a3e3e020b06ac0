/**
 * yolo (YOLOv3 head, Darknet forward_yolo_layer): per masked anchor, logistic on x, y (entries 0, 1)
 * and on objectness plus every class (entries 4 …); tw, th stay raw for the decoder.
 */
import * as tf from '@tensorflow/tfjs-core';
import { entries, perAnchor } from './head.ts';
import type { Kernel } from './kernel.ts';

export const yoloKernel: Kernel<'yolo'> = {
  kind: 'yolo',
  run(node, [x]) {
    const n = 5 + node.classes;
    return perAnchor('yolo', x!, node.mask.length, n, (v) => [
      tf.sigmoid(entries(v, 0, 2)),
      entries(v, 2, 2),
      tf.sigmoid(entries(v, 4, n - 4)),
    ]);
  },
};
