/** Activation functions shared by every kernel, and the standalone `activation` layer. */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../../../shared/model/ir.ts';
import type { Kernel } from './kernel.ts';

/** Darknet's leaky slope (activations.h: leaky_activate, 0.1·x for x < 0). */
export const LEAKY_SLOPE = 0.1;

/**
 * Applies `act` elementwise; `linear` returns `x` itself (callers must not dispose twice).
 * `hardScale` replaces hardswish/hardsigmoid's 1/6 (ActivationNode.hardScale), computed in the
 * TF.js graph's own order (x·c)·relu6(x + 3).
 */
export function activate<T extends tf.Tensor>(x: T, act: Activation, hardScale?: number): T {
  if (hardScale !== undefined && act === 'hardswish') return tf.mul(tf.mul(x, hardScale), tf.relu6(tf.add(x, 3)));
  if (hardScale !== undefined && act === 'hardsigmoid') return tf.mul(tf.relu6(tf.add(x, 3)), hardScale);
  switch (act) {
    case 'linear': return x;
    case 'leaky': return tf.leakyRelu(x, LEAKY_SLOPE);
    case 'relu': return tf.relu(x);
    case 'relu6': return tf.relu6(x);
    case 'logistic': return tf.sigmoid(x);
    case 'tanh': return tf.tanh(x);
    case 'mish': return tf.mul(x, tf.tanh(tf.softplus(x)));
    case 'swish': return tf.mul(x, tf.sigmoid(x));
    case 'hardswish': return tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6);
    case 'hardsigmoid': return tf.div(tf.relu6(tf.add(x, 3)), 6);
    default: {
      const never: never = act;
      throw new Error(`engine: unknown activation "${String(never)}"`);
    }
  }
}

type Fusable = 'linear' | 'relu' | 'relu6' | 'leakyrelu' | 'sigmoid';

/** The tf.fused form of `act`, when tfjs can fuse it into a conv or matMul. */
export function fusedActivation(act: Activation): Fusable | undefined {
  const map: Partial<Record<Activation, Fusable>> = {
    linear: 'linear', relu: 'relu', relu6: 'relu6', leaky: 'leakyrelu', logistic: 'sigmoid',
  };
  return map[act];
}

export const activationKernel: Kernel<'activation'> = {
  kind: 'activation',
  run(node, [x]) {
    return activate(x!, node.activation, node.hardScale);
  },
};
