/**
 * Convolutions of a TF graph → conv2d nodes: Conv2D, DepthwiseConv2dNative and Grappler's fused
 * forms _FusedConv2D / FusedDepthwiseConv2dNative (fused_ops: BiasAdd or FusedBatchNorm, then an
 * optional activation). Filters keep TF's layout, which is the IR's: HWIO for conv, and
 * [kh][kw][C][mult] for depthwise (= HWIO [kh][kw][1][C·mult], groups = C).
 */
import { tfSamePad } from '../geometry.ts';
import type { Activation, Pad4 } from './ir.ts';
import { attr, type TfNode } from './tfjs-graph-parse.ts';
import { UnsupportedOp, type GraphBuilder, type Value } from './tfjs-graph-build.ts';
import { constOf, mapOf } from './tfjs-graph-values.ts';

/** TF activation op names the IR can express (LeakyRelu only with Darknet's slope 0.1). */
export function tfActivation(op: string, leakyAlpha = 0.2): Activation | undefined {
  switch (op) {
    case 'Relu': return 'relu';
    case 'Relu6': return 'relu6';
    case 'Sigmoid': return 'logistic';
    case 'Tanh': return 'tanh';
    case 'LeakyRelu': return Math.abs(leakyAlpha - 0.1) < 1e-7 ? 'leaky' : undefined;
    default: return undefined;
  }
}

/** Padding of one window op (SAME, VALID or EXPLICIT) for an input of h×w. */
export function windowPad(n: TfNode, h: number, w: number, size: readonly [number, number], stride: readonly [number, number], dil: readonly [number, number]): Pad4 {
  const padding = attr.str(n, 'padding');
  if (padding === 'VALID') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (padding === 'SAME') {
    const [top, bottom] = tfSamePad(h, size[0], stride[0], dil[0]);
    const [left, right] = tfSamePad(w, size[1], stride[1], dil[1]);
    return { top, bottom, left, right };
  }
  if (padding === 'EXPLICIT') {
    const p = attr.ints(n, 'explicit_paddings');
    return { top: p[2]!, bottom: p[3]!, left: p[4]!, right: p[5]! };
  }
  throw new UnsupportedOp(`${n.op} (padding ${padding})`);
}

/** [1, a, b, 1] NHWC attribute → [a, b]; anything but NHWC is unsupported. */
export function spatial(n: TfNode, key: string): [number, number] {
  const v = attr.ints(n, key, [1, 1, 1, 1]);
  return [v[1]!, v[2]!];
}

export function requireNhwc(n: TfNode): void {
  const f = attr.str(n, 'data_format', 'NHWC');
  if (f !== 'NHWC') throw new UnsupportedOp(`${n.op} (data_format ${f})`);
}

interface Epilogue { bias?: Float32Array; scale?: Float32Array; activation: Activation }

/** fused_ops → bias, folded batch-norm scale and activation. Inputs after the filter are the op's args. */
function epilogue(n: TfNode, args: readonly Value[], filters: number): Epilogue {
  const ops = attr.strs(n, 'fused_ops');
  if (ops.length === 0) return { activation: 'linear' };
  let activation: Activation = 'linear';
  if (ops.length > 1) {
    const a = tfActivation(ops[1]!, attr.float(n, 'leakyrelu_alpha', 0.2));
    if (ops.length > 2 || a === undefined) throw new UnsupportedOp(`${n.op} (${ops.join('+')})`);
    activation = a;
  }
  if (ops[0] === 'BiasAdd') return { bias: constOf(args[0], n).data as Float32Array, activation };
  if (ops[0] !== 'FusedBatchNorm') throw new UnsupportedOp(`${n.op} (${ops.join('+')})`);
  // y = (conv − mean)·γ/√(var + ε) + β, folded: scale s per filter, bias β − mean·s.
  const [gamma, beta, mean, variance] = [0, 1, 2, 3].map((k) => constOf(args[k], n).data);
  const eps = attr.float(n, 'epsilon', 1e-3);
  const scale = new Float32Array(filters).map((_, i) => gamma![i]! / Math.sqrt(variance![i]! + eps));
  const bias = new Float32Array(filters).map((_, i) => beta![i]! - mean![i]! * scale[i]!);
  return { bias, scale, activation };
}

/** Conv2D / DepthwiseConv2dNative and their fused forms. */
export function convOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  requireNhwc(n);
  const x = mapOf(b, ins[0], n);
  const filter = constOf(ins[1], n);
  const inShape = b.shape(x);
  const depthwise = n.op.includes('Depthwise');
  const [kh, kw, fin, fout] = filter.shape as [number, number, number, number];
  const filters = depthwise ? fin * fout : fout;
  const groups = depthwise ? fin : inShape.c / fin;
  const size: [number, number] = [kh, kw];
  const stride = spatial(n, 'strides');
  const dilation = spatial(n, 'dilations');
  const pad = windowPad(n, inShape.h, inShape.w, size, stride, dilation);
  const epi = epilogue(n, ins.slice(2), filters);
  let kernel = filter.data as Float32Array;
  if (epi.scale) kernel = kernel.map((k, i) => k * epi.scale![i % filters]!);
  return b.add({
    kind: 'conv2d', inputs: [x], size, stride, dilation, pad, groups, filters, batchNorm: false, activation: epi.activation,
  }, n.name, { kernel, ...(epi.bias ? { bias: epi.bias } : {}) });
}
