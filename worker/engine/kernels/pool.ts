/**
 * Max and average pooling, global or windowed, VALID over the input plus padding (node.pad, or a
 * tile's override, PAPER §2.3). Padded cells never count: max-pool pads with −∞ (Darknet's
 * forward_maxpool_layer skips out-of-bounds cells), avg-pool excludes them from the divisor
 * (TensorFlow's SAME average pool does the same).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Pad4, PoolNode } from '../../../shared/model/ir.ts';
import { hasPad, padOf, type Kernel, type KernelCtx } from './kernel.ts';

/** Valid (unpadded) cells of each window along one axis of length n. */
function windowCounts(n: number, size: number, stride: number, lead: number, outs: number): number[] {
  const counts: number[] = [];
  for (let o = 0; o < outs; o++) {
    const lo = o * stride - lead;
    counts.push(Math.min(n - 1, lo + size - 1) - Math.max(0, lo) + 1);
  }
  return counts;
}

/** avgPool over zero padding divides by kh·kw; this [oh][ow][1] factor rescales to the valid count. */
function divisorFix(node: PoolNode, h: number, w: number, pad: Pad4, oh: number, ow: number): tf.Tensor3D {
  const [kh, kw] = node.size;
  const rows = windowCounts(h, kh, node.stride[0], pad.top, oh);
  const cols = windowCounts(w, kw, node.stride[1], pad.left, ow);
  const f = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) f[y * ow + x] = (kh * kw) / (rows[y]! * cols[x]!);
  return tf.tensor3d(f, [oh, ow, 1]);
}

function pool(node: PoolNode, x: tf.Tensor3D, ctx: KernelCtx): tf.Tensor3D {
  if (node.global) return node.kind === 'maxpool' ? tf.max(x, [0, 1], true) : tf.mean(x, [0, 1], true);
  const pad = padOf(node, ctx);
  const size: [number, number] = [node.size[0], node.size[1]];
  const stride: [number, number] = [node.stride[0], node.stride[1]];
  const paddings: [number, number][] = [[pad.top, pad.bottom], [pad.left, pad.right], [0, 0]];
  if (node.kind === 'maxpool') {
    return tf.maxPool(hasPad(pad) ? tf.pad(x, paddings, -Infinity) : x, size, stride, 'valid');
  }
  if (!hasPad(pad)) return tf.avgPool(x, size, stride, 'valid');
  const avg = tf.avgPool(tf.pad(x, paddings, 0), size, stride, 'valid');
  return tf.mul(avg, divisorFix(node, x.shape[0], x.shape[1], pad, avg.shape[0], avg.shape[1]));
}

export const maxPoolKernel: Kernel<'maxpool'> = { kind: 'maxpool', run: (node, [x], _w, ctx) => pool(node, x!, ctx) };
export const avgPoolKernel: Kernel<'avgpool'> = { kind: 'avgpool', run: (node, [x], _w, ctx) => pool(node, x!, ctx) };
