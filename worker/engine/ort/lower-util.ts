/**
 * Shared pieces of the ONNX lowering: the per-step context, activations (the same arithmetic as
 * kernels/activation.ts, so results match tfjs within float rounding), slices and constants.
 * Inside an exported graph every value is NCHW (ONNX's conv layout); feeds and outputs are
 * transposed from and to our H×W×C at the graph's edges.
 */
import type { Activation, Node, NodeWeights } from '../../../shared/model/ir.ts';
import type { StepSpec } from '../../../shared/plan/program.ts';
import { LEAKY_SLOPE } from '../kernels/activation.ts';
import type { OnnxGraph } from './graph.ts';

/** What a lowering gets: the graph, the step, its NCHW inputs (already cropped) and their [h, w, c]. */
export interface Lowering<N extends Node = Node> {
  readonly g: OnnxGraph;
  readonly node: N;
  readonly step: StepSpec;
  readonly xs: readonly string[];
  readonly dims: readonly (readonly [number, number, number])[];
  readonly weights: NodeWeights | undefined;
}

/** A layer kind (or a variant of one) this exporter can't express; the task falls back to tfjs. */
export class OnnxUnsupportedError extends Error {
  constructor(readonly layer: number, readonly kind: string, why: string) {
    super(`ort: layer ${layer} (${kind}) has no ONNX lowering: ${why}`);
    this.name = 'OnnxUnsupportedError';
  }
}

function clip6(g: OnnxGraph, x: string): string {
  return g.op('Clip', [x, g.scalar(0), g.scalar(6)]);
}

/** act(x), in kernels/activation.ts's order of operations. */
export function activate(g: OnnxGraph, x: string, act: Activation, hardScale?: number): string {
  const relu6p3 = (): string => clip6(g, g.op('Add', [x, g.scalar(3)]));
  if (hardScale !== undefined && act === 'hardswish') return g.op('Mul', [g.op('Mul', [x, g.scalar(hardScale)]), relu6p3()]);
  if (hardScale !== undefined && act === 'hardsigmoid') return g.op('Mul', [relu6p3(), g.scalar(hardScale)]);
  switch (act) {
    case 'linear': return x;
    case 'leaky': return g.op('LeakyRelu', [x], { alpha: { float: LEAKY_SLOPE } });
    case 'relu': return g.op('Relu', [x]);
    case 'relu6': return clip6(g, x);
    case 'logistic': return g.op('Sigmoid', [x]);
    case 'tanh': return g.op('Tanh', [x]);
    case 'mish': return g.op('Mul', [x, g.op('Tanh', [g.op('Softplus', [x])])]);
    case 'swish': return g.op('Mul', [x, g.op('Sigmoid', [x])]);
    case 'hardswish': return g.op('Div', [g.op('Mul', [x, relu6p3()]), g.scalar(6)]);
    case 'hardsigmoid': return g.op('Div', [relu6p3(), g.scalar(6)]);
    default: {
      const never: never = act;
      throw new Error(`ort: unknown activation "${String(never)}"`);
    }
  }
}

/** x[starts:ends:steps] along `axes` (NCHW axis numbers). */
export function slice(g: OnnxGraph, x: string, axes: readonly number[], starts: readonly number[], ends: readonly number[], steps?: readonly number[]): string {
  const ins = [x, g.ints(starts), g.ints(ends), g.ints(axes)];
  return g.op('Slice', steps ? [...ins, g.ints(steps)] : ins);
}

/** Channels [c0, c1) of an NCHW value. */
export function channels(g: OnnxGraph, x: string, c0: number, c1: number): string {
  return slice(g, x, [1], [c0], [c1]);
}

/** A per-channel vector as a [1, C, 1, 1] constant that broadcasts over NCHW. */
export function perChannel(g: OnnxGraph, v: Float32Array): string {
  return g.floats(v, [1, v.length, 1, 1]);
}
