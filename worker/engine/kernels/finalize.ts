/**
 * Finishing an LIP / FUSE2 layer (PAPER §3.1–3.2, the code's finalize_weight_part_fused_output):
 * the partials are raw sums Σ w·x over each device's input channels, so after adding them the
 * batch norm, bias and activation run exactly once: y = act(s·sum + bias − μ·s), s = γ/√(σ² + ε)
 * (just act(sum + bias) without BN). Only the finishing device needs bias and BN parameters.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2dNode, DenseNode, NodeWeights } from '../../../shared/model/ir.ts';
import { assert } from '../../../shared/errors.ts';
import { activate } from './activation.ts';
import { bnScale, foldedBias } from './fold.ts';

/** Batch norm, bias and activation on the summed partials `sum` (H×W×filters; 1×1×units for dense). */
export function finalizePartial(node: Conv2dNode | DenseNode, sum: tf.Tensor3D, weights: NodeWeights | undefined): tf.Tensor3D {
  assert(node.kind === 'conv2d' || node.kind === 'dense',
    () => `engine: layer ${node.id} (${(node as { kind: string }).kind}) has no partial sums to finalize`);
  const who = `engine: layer ${node.id} (${node.kind})`;
  const outs = sum.shape[2];
  const w = weights ?? {};
  return tf.tidy(() => {
    const scale = bnScale(who, w, outs, node.batchNorm);
    const scaled = scale === undefined ? sum : tf.mul(sum, tf.tensor1d(scale));
    const y = tf.add(scaled, tf.tensor1d(foldedBias(who, w, outs, scale))) as tf.Tensor3D;
    return activate(y, node.activation);
  });
}
