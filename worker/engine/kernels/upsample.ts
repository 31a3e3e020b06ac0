/**
 * upsample ×stride. Nearest (Darknet upsample_cpu: out = in[y/stride][x/stride]·scale) is built by
 * broadcasting, which is exact; tf's resizeNearestNeighbor maps through a float ratio instead.
 * Bilinear follows tf.image.resizeBilinear with the node's alignCorners/halfPixelCenters flags.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Kernel } from './kernel.ts';

export const upsampleKernel: Kernel<'upsample'> = {
  kind: 'upsample',
  run(node, [x]) {
    const [h, w, c] = x!.shape;
    const s = node.stride;
    const y = node.mode === 'nearest'
      ? tf.reshape(tf.broadcastTo(tf.reshape(x!, [h, 1, w, 1, c]), [h, s, w, s, c]), [h * s, w * s, c])
      : tf.image.resizeBilinear(x!, [h * s, w * s], node.alignCorners, node.halfPixelCenters);
    return node.scale === 1 ? y as tf.Tensor3D : tf.mul(y, node.scale);
  },
};
