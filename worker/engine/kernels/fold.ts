/**
 * Batch-norm folding on host arrays. Darknet computes y = γ·(x − μ)/(√σ² + ε) + bias
 * (forward_batchnorm_layer → normalize_cpu, ε = BN_EPSILON added OUTSIDE the root), so with
 * s = γ/(√σ² + ε):
 *   kernel' = kernel·s (per output),  bias' = bias − μ·s.
 * Folding into the kernel keeps a layer linear up to the bias, which is what lets LIP partial sums
 * be added before bias and activation (PAPER §3.2: BN runs once, after the sum).
 */
import { BN_EPSILON, type NodeWeights } from '../../../shared/model/ir.ts';
import { assert } from '../../../shared/errors.ts';

function checkLength(who: string, what: string, a: Float32Array | undefined, outs: number): Float32Array {
  assert(a !== undefined, () => `${who}: batch norm needs ${what}, which the weights lack`);
  assert(a.length === outs, () => `${who}: ${what} has ${a.length} values for ${outs} outputs`);
  return a;
}

/**
 * s = γ/(√σ² + ε) per output, or undefined when the layer has no batch norm. Only Darknet models
 * carry explicit BN in the IR; the difference from TF's γ/√(σ² + ε) matters for dead channels:
 * 1000× at σ² = 0, 29 % at σ² = 1e-6 (issue 10 item 15).
 */
export function bnScale(who: string, w: NodeWeights, outs: number, batchNorm: boolean): Float32Array | undefined {
  if (!batchNorm) return undefined;
  const gamma = checkLength(who, 'bnScale', w.bnScale, outs);
  const variance = checkLength(who, 'bnVariance', w.bnVariance, outs);
  const s = new Float32Array(outs);
  for (let o = 0; o < outs; o++) s[o] = gamma[o]! / (Math.sqrt(variance[o]!) + BN_EPSILON);
  return s;
}

/** bias' = bias − μ·s (bias absent = 0, as in tfjs convs without `useBias`). */
export function foldedBias(who: string, w: NodeWeights, outs: number, scale: Float32Array | undefined): Float32Array {
  const b = new Float32Array(outs);
  if (w.bias !== undefined) {
    assert(w.bias.length === outs, () => `${who}: bias has ${w.bias!.length} values for ${outs} outputs`);
    b.set(w.bias);
  }
  if (scale !== undefined) {
    const mean = checkLength(who, 'bnMean', w.bnMean, outs);
    for (let o = 0; o < outs; o++) b[o] = b[o]! - mean[o]! * scale[o]!;
  }
  return b;
}

/** kernel·s where the output index is the innermost dimension (conv HWIO and dense [in][units] alike). */
export function foldKernel(kernel: Float32Array, outs: number, scale: Float32Array | undefined): Float32Array {
  if (scale === undefined) return kernel;
  const k = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) k[i] = kernel[i]! * scale[i % outs]!;
  return k;
}
