/**
 * conv2d: plain, grouped, depthwise and dilated, with explicit per-side padding, on whatever weight
 * slice it is given (PAPER §3.1): cin is the input's channel count, filters = kernel.length /
 * (kh·kw·cin/groups). An LOP slice has fewer filters (and their bias/BN); an LIP slice has every
 * filter restricted to the device's input channels and runs with `partial`: the raw Σ w·x, with no
 * bias, batch norm or activation, so it needs only the kernel slice; finalizePartial applies them
 * once after the partials are added (PAPER §3.2).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2dNode, NodeWeights } from '../../../shared/model/ir.ts';
import { assert } from '../../../shared/errors.ts';
import { activate, fusedActivation, LEAKY_SLOPE } from './activation.ts';
import { cached } from './cache.ts';
import { bnScale, foldKernel, foldedBias } from './fold.ts';
import { explicitPad, padOf, type Kernel, type KernelCtx } from './kernel.ts';

type Pads = ReturnType<typeof explicitPad>;

/** [bias', ...kernels] (BN folded unless partial): one kernel (HWIO, or tf's depthwise [kh][kw][C][mult]) or one per group. */
function convWeights(node: Conv2dNode, cin: number, groups: number, w: NodeWeights | undefined, ctx: KernelCtx): tf.Tensor[] {
  assert(w?.kernel !== undefined, () => `conv2d: no kernel given`);
  const kernel = w.kernel;
  const [kh, kw] = node.size;
  assert(groups >= 1 && cin % groups === 0, () => `conv2d: ${cin} input channels do not split into ${groups} groups`);
  const cinPG = cin / groups;
  assert(kernel.length % (kh * kw * cinPG) === 0,
    () => `conv2d: kernel length ${kernel.length} is not a multiple of kh·kw·cin/groups = ${kh}·${kw}·${cinPG}`);
  const filters = kernel.length / (kh * kw * cinPG);
  assert(filters % groups === 0, () => `conv2d: ${filters} filters do not split into ${groups} groups`);
  const partial = ctx.partial === true;
  const sources = [kernel, w.bias, w.bnScale, w.bnMean, w.bnVariance, groups, cin, partial];
  return cached(ctx.cache, `conv2d:${node.id}`, sources, () => {
    // A partial sum is the raw linear part: BN is applied once, to the sum (finalizePartial).
    const scale = partial ? undefined : bnScale('conv2d', w, filters, node.batchNorm);
    const k = foldKernel(kernel, filters, scale);
    const bias = tf.tensor1d(foldedBias('conv2d', w, filters, scale));
    if (groups === 1) return [bias, tf.tensor4d(k, [kh, kw, cin, filters])];
    // HWIO [kh][kw][1][C·mult] has filter index c·mult + m, which is tf's depthwise [kh][kw][C][mult].
    if (groups === cin) return [bias, tf.tensor4d(k, [kh, kw, cin, filters / cin])];
    return [bias, ...tf.split(tf.tensor4d(k, [kh, kw, cinPG, filters]), groups, 3)];
  });
}

interface Epilogue { readonly bias: tf.Tensor1D; readonly activation: NonNullable<ReturnType<typeof fusedActivation>> }

/** One conv call; the epilogue (bias, activation) is fused only for plain convs, see below. */
function convOnce(x: tf.Tensor4D, k: tf.Tensor4D, depthwise: boolean, node: Conv2dNode, pads: Pads, epi?: Epilogue): tf.Tensor4D {
  const [sh, sw] = node.stride;
  // tfjs rejects stride > 1 together with dilation > 1: run stride 1 and subsample (same values, more work).
  const both = (sh > 1 || sw > 1) && (node.dilation[0] > 1 || node.dilation[1] > 1);
  const strides: [number, number] = both ? [1, 1] : [sh, sw];
  const dilations: [number, number] = [node.dilation[0], node.dilation[1]];
  // tf.fused.depthwiseConv2d takes no explicit padding, so depthwise convs run unfused.
  const y = depthwise
    ? tf.depthwiseConv2d(x, k, strides, pads, 'NHWC', dilations)
    : tf.fused.conv2d({
      x, filter: k, strides, pad: pads, dataFormat: 'NHWC', dilations,
      bias: epi?.bias, activation: epi?.activation ?? 'linear', leakyreluAlpha: LEAKY_SLOPE,
    });
  return both ? tf.stridedSlice(y, [0, 0, 0, 0], y.shape, [1, sh, sw, 1]) as tf.Tensor4D : y;
}

export const conv2dKernel: Kernel<'conv2d'> = {
  kind: 'conv2d',
  run(node, [x], w, ctx) {
    const cin = x!.shape[2];
    const groups = ctx.groups ?? node.groups;
    const [bias, ...kernels] = convWeights(node, cin, groups, w, ctx) as [tf.Tensor1D, ...tf.Tensor4D[]];
    const pads = explicitPad(padOf(node, ctx));
    const x4 = tf.expandDims(x!, 0) as tf.Tensor4D;
    const fusable = fusedActivation(node.activation);
    let y: tf.Tensor4D;
    if (groups === 1) {
      y = convOnce(x4, kernels[0]!, false, node, pads, ctx.partial ? undefined : { bias, activation: fusable ?? 'linear' });
      if (!ctx.partial && fusable === undefined) y = activate(y, node.activation);
      return tf.squeeze(y, [0]);
    }
    if (groups === cin) y = convOnce(x4, kernels[0]!, true, node, pads);
    else y = tf.concat(tf.split(x4, groups, 3).map((xg, g) => convOnce(xg as tf.Tensor4D, kernels[g]!, false, node, pads)), 3);
    if (!ctx.partial) y = activate(tf.add(y, bias), node.activation);
    return tf.squeeze(y, [0]);
  },
};
