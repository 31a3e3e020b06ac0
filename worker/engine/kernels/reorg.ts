/**
 * reorg (YOLOv2 passthrough) with Darknet's exact semantics, which are NOT tf.spaceToDepth's channel
 * order. forward_reorg_layer calls reorg_cpu(x, w, h, c, batch, stride, forward=0, out) with the
 * INPUT's w, h, c; for every CHW index in_index = i + w·(j + h·k) (i < w, j < h, k < c):
 *   out_c = c/stride², c2 = k % out_c, offset = k / out_c,
 *   w2 = i·stride + offset % stride, h2 = j·stride + offset / stride,
 *   out_index = w2 + w·stride·(h2 + h·stride·c2),  out[in_index] = x[out_index];
 * and the out buffer is then read as CHW of (h/stride, w/stride, c·stride²). We precompute that
 * permutation once per shape, translated to our HWC layout, and apply it as one gather.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../../shared/errors.ts';
import { cached } from './cache.ts';
import type { Kernel } from './kernel.ts';

/** For each HWC element of the output, the HWC element of the input it copies. */
export function reorgIndex(h: number, w: number, c: number, s: number): Int32Array {
  assert(h % s === 0 && w % s === 0 && c % (s * s) === 0,
    () => `reorg: input ${h}x${w}x${c} is not divisible by stride ${s} (rows, columns) and ${s * s} (channels)`);
  const outC = c / (s * s);
  const [oh, ow, oc] = [h / s, w / s, c * s * s];
  const idx = new Int32Array(h * w * c);
  for (let k = 0; k < c; k++) {
    const c2 = k % outC;
    const offset = Math.floor(k / outC);
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const inIndex = i + w * (j + h * k);
        const w2 = i * s + (offset % s);
        const h2 = j * s + Math.floor(offset / s);
        const outIndex = w2 + w * s * (h2 + h * s * c2);
        // inIndex addresses the output read as CHW (oc, oh, ow); outIndex the input as CHW (c, h, w).
        const [px, py, pc] = [inIndex % ow, Math.floor(inIndex / ow) % oh, Math.floor(inIndex / (ow * oh))];
        const [qx, qy, qc] = [outIndex % w, Math.floor(outIndex / w) % h, Math.floor(outIndex / (w * h))];
        idx[(py * ow + px) * oc + pc] = (qy * w + qx) * c + qc;
      }
    }
  }
  return idx;
}

export const reorgKernel: Kernel<'reorg'> = {
  kind: 'reorg',
  run(node, [x], _w, ctx) {
    const [h, w, c] = x!.shape;
    const s = node.stride;
    const [index] = cached(ctx.cache, `reorg:${h}x${w}x${c}/${s}`, [], () => [tf.tensor1d(reorgIndex(h, w, c, s), 'int32')]);
    return tf.reshape(tf.gather(tf.reshape(x!, [-1]), index!), [h / s, w / s, c * s * s]);
  },
};
