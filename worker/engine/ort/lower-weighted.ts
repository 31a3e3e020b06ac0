/**
 * ONNX lowering of the weighted layers: conv2d (groups, dilation, per-side tile padding), dense,
 * and finishing a summed LIP partial. Batch norm is folded exactly as kernels/fold.ts folds it for
 * tfjs (s = γ/√(σ² + ε)); a partial sum (PAPER §3.2) is the raw linear part: no bias, BN or activation.
 */
import type { Conv2dNode, DenseNode, NodeWeights } from '../../../shared/model/ir.ts';
import { assert } from '../../../shared/errors.ts';
import { bnScale, foldKernel, foldedBias } from '../kernels/fold.ts';
import { activate, perChannel, type Lowering } from './lower-util.ts';
import type { OnnxGraph } from './graph.ts';

/** HWIO [kh][kw][cinPG][F] → ONNX OIHW [F][cinPG][kh][kw], each filter times its BN scale (one pass: compile time). */
function oihw(k: Float32Array, kh: number, kw: number, cinPG: number, f: number, scale: Float32Array | undefined): Float32Array {
  const out = new Float32Array(k.length);
  const taps = kh * kw, oStride = cinPG * taps;
  for (let t = 0; t < taps; t++) {
    for (let i = 0; i < cinPG; i++) {
      const src = (t * cinPG + i) * f, dst = i * taps + t;
      for (let o = 0; o < f; o++) out[o * oStride + dst] = scale === undefined ? k[src + o]! : k[src + o]! * scale[o]!;
    }
  }
  return out;
}

function kernelOf(who: string, w: NodeWeights | undefined): Float32Array {
  assert(w?.kernel !== undefined, () => `${who}: no kernel given`);
  return w.kernel;
}

export function lowerConv(l: Lowering<Conv2dNode>): string {
  const { g, node, step } = l;
  const kernel = kernelOf('conv2d', l.weights);
  const [kh, kw] = node.size;
  const cin = l.dims[0]![2];
  const groups = step.groups ?? node.groups;
  assert(groups >= 1 && cin % groups === 0, () => `conv2d: ${cin} input channels do not split into ${groups} groups`);
  const cinPG = cin / groups;
  assert(kernel.length % (kh * kw * cinPG) === 0, () => `conv2d: kernel length ${kernel.length} is not a multiple of ${kh}·${kw}·${cinPG}`);
  const f = kernel.length / (kh * kw * cinPG);
  const scale = step.partial ? undefined : bnScale('conv2d', l.weights!, f, node.batchNorm);
  const W = g.floats(oihw(kernel, kh, kw, cinPG, f, scale), [f, cinPG, kh, kw]);
  const inputs = step.partial ? [l.xs[0]!, W] : [l.xs[0]!, W, g.floats(foldedBias('conv2d', l.weights!, f, scale), [f])];
  const p = step.pad;
  const y = g.op('Conv', inputs, {
    kernel_shape: [kh, kw], strides: [...node.stride], dilations: [...node.dilation],
    pads: [p.top, p.left, p.bottom, p.right], group: groups,
  });
  return step.partial ? y : activate(g, y, node.activation);
}

export function lowerDense(l: Lowering<DenseNode>): string {
  const { g, node, step } = l;
  const kernel = kernelOf('dense', l.weights);
  const [h, w, c] = l.dims[0]!;
  const n = h * w * c;
  assert(kernel.length % n === 0, () => `dense: kernel length ${kernel.length} is not a multiple of ${n} input features`);
  const units = kernel.length / n;
  const scale = step.partial ? undefined : bnScale('dense', l.weights!, units, node.batchNorm);
  // The IR's dense rows are in HWC flatten order.
  const flat = g.op('Reshape', [g.op('Transpose', [l.xs[0]!], { perm: [0, 2, 3, 1] }), g.ints([1, n])]);
  let y = g.op('MatMul', [flat, g.floats(foldKernel(kernel, units, scale), [n, units])]);
  if (!step.partial) y = activate(g, g.op('Add', [y, g.floats(foldedBias('dense', l.weights!, units, scale), [units])]), node.activation);
  return g.op('Reshape', [y, g.ints([1, units, 1, 1])]);
}

/** act(s·sum + bias − μ·s) on a summed partial (kernels/finalize.ts). */
export function lowerFinish(g: OnnxGraph, node: Conv2dNode | DenseNode, x: string, outs: number, weights: NodeWeights | undefined): string {
  const who = `ort: layer ${node.id} (${node.kind})`;
  const w = weights ?? {};
  const scale = bnScale(who, w, outs, node.batchNorm);
  const scaled = scale === undefined ? x : g.op('Mul', [x, perChannel(g, scale)]);
  return activate(g, g.op('Add', [scaled, perChannel(g, foldedBias(who, w, outs, scale))]), node.activation);
}
