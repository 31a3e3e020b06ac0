/**
 * dense (fully connected): the 1×1 case of weight partitioning (PAPER §3.4). The input is flattened
 * in HWC order, matching the IR's kernel layout [in][units]; units = kernel.length / in, so an LOP
 * slice (fewer units) and an LIP slice (rows of the device's input features) both just work.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DenseNode, NodeWeights } from '../../../shared/model/ir.ts';
import { assert } from '../../../shared/errors.ts';
import { activate } from './activation.ts';
import { cached } from './cache.ts';
import { bnScale, foldKernel, foldedBias } from './fold.ts';
import type { Kernel, KernelCtx } from './kernel.ts';

/** [bias', kernel'] for `n` input features, BN folded unless partial. */
function denseWeights(node: DenseNode, n: number, w: NodeWeights | undefined, ctx: KernelCtx): [tf.Tensor1D, tf.Tensor2D] {
  assert(w?.kernel !== undefined, () => `dense: no kernel given`);
  const kernel = w.kernel;
  assert(kernel.length % n === 0, () => `dense: kernel length ${kernel.length} is not a multiple of ${n} input features`);
  const units = kernel.length / n;
  const partial = ctx.partial === true;
  const sources = [kernel, w.bias, w.bnScale, w.bnMean, w.bnVariance, n, partial];
  return cached(ctx.cache, `dense:${node.id}`, sources, () => {
    // A partial sum is the raw linear part: BN is applied once, to the sum (finalizePartial).
    const scale = partial ? undefined : bnScale('dense', w, units, node.batchNorm);
    return [tf.tensor1d(foldedBias('dense', w, units, scale)), tf.tensor2d(foldKernel(kernel, units, scale), [n, units])] as const;
  }) as unknown as [tf.Tensor1D, tf.Tensor2D];
}

export const denseKernel: Kernel<'dense'> = {
  kind: 'dense',
  run(node, [x], w, ctx) {
    const n = x!.size;
    const [bias, kernel] = denseWeights(node, n, w, ctx);
    let y = tf.matMul(tf.reshape(x!, [1, n]), kernel);
    if (!ctx.partial) y = activate(tf.add(y, bias), node.activation);
    return tf.reshape(y, [1, 1, kernel.shape[1]]);
  },
};
