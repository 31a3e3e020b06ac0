/**
 * Reading op inputs as the kind of value an op needs, and constant folding: an op whose inputs are
 * all constants (shape arithmetic, casts, reshapes of weights) is evaluated here once, at import, so
 * the IR never sees it.
 */
import type { TfNode } from './tfjs-graph-parse.ts';
import { attr } from './tfjs-graph-parse.ts';
import type { ConstTensor } from './tfjs-graph-weights.ts';
import { UnsupportedOp, type GraphBuilder, type Value } from './tfjs-graph-build.ts';
import { materialize } from './tfjs-graph-fold.ts';

export function constOf(v: Value | undefined, n: TfNode): ConstTensor {
  if (v?.kind !== 'const') throw new UnsupportedOp(`${n.op} (with a computed tensor where a constant is expected)`);
  return v.t;
}

/** A feature-map input; virtual values are folded into their conv or rejected. */
export function mapOf(b: GraphBuilder, v: Value | undefined, n: TfNode): number {
  if (v === undefined) throw new Error(`tfjs-graph: node ${n.name} (${n.op}) lacks an input`);
  return materialize(b, v, n.op);
}

/** The value of a one-element constant, else undefined. */
export function scalarOf(v: Value | undefined): number | undefined {
  return v?.kind === 'const' && v.t.data.length === 1 ? v.t.data[0]! : undefined;
}

/** A constant of one value per channel (shape [C], [1,1,C] or [1,1,1,C]), else undefined. */
export function perChannelOf(v: Value | undefined, channels: number): Float32Array | undefined {
  if (v?.kind !== 'const' || v.t.data.length !== channels || v.t.shape[v.t.shape.length - 1] !== channels) return undefined;
  return Float32Array.from(v.t.data);
}

const size = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

function elementwise(a: ConstTensor, b: ConstTensor, f: (x: number, y: number) => number, n: TfNode): ConstTensor {
  const [big, small] = a.data.length >= b.data.length ? [a, b] : [b, a];
  if (small.data.length !== 1 && small.data.length !== big.data.length) throw new UnsupportedOp(`${n.op} (constant broadcasting)`);
  const at = (t: ConstTensor, i: number) => t.data[t.data.length === 1 ? 0 : i]!;
  const data = big.dtype === 'int32' ? new Int32Array(big.data.length) : new Float32Array(big.data.length);
  for (let i = 0; i < data.length; i++) data[i] = f(at(a, i), at(b, i));
  return { shape: big.shape, dtype: big.dtype, data };
}

function reshape(t: ConstTensor, want: readonly number[], n: TfNode): ConstTensor {
  const known = want.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const shape = want.map((d) => (d === -1 ? t.data.length / known : d));
  if (size(shape) !== t.data.length) throw new Error(`tfjs-graph: node ${n.name}: cannot reshape ${t.data.length} values to [${want}]`);
  return { ...t, shape };
}

const FOLD_BINARY: Record<string, (x: number, y: number) => number> = {
  Mul: (x, y) => x * y, Add: (x, y) => x + y, AddV2: (x, y) => x + y, Sub: (x, y) => x - y, RealDiv: (x, y) => x / y,
  Maximum: Math.max, Minimum: Math.min,
};

/** Evaluate `n` on constant inputs, or undefined when this op is not folded. */
export function foldConst(n: TfNode, ins: readonly ConstTensor[]): ConstTensor | undefined {
  const bin = FOLD_BINARY[n.op];
  if (bin && ins.length === 2) return elementwise(ins[0]!, ins[1]!, bin, n);
  const [x] = ins;
  if (!x) return undefined;
  switch (n.op) {
    case 'Identity': case 'StopGradient': case 'Snapshot': return x;
    case 'Neg': return { ...x, data: x.data.map((v) => -v) };
    case 'Sqrt': return { ...x, data: x.data.map(Math.sqrt) };
    case 'Rsqrt': return { ...x, data: x.data.map((v) => 1 / Math.sqrt(v)) };
    case 'Cast': {
      const to = n.attr.DstT?.type;
      if (to === 'DT_INT32') return { shape: x.shape, dtype: 'int32', data: Int32Array.from(x.data, Math.trunc) };
      return { shape: x.shape, dtype: 'float32', data: Float32Array.from(x.data) };
    }
    case 'Reshape': return reshape(x, Array.from(ins[1]!.data), n);
    case 'ExpandDims': {
      const axis = ins[1]!.data[0]!;
      const shape = [...x.shape];
      shape.splice(axis < 0 ? shape.length + 1 + axis : axis, 0, 1);
      return { ...x, shape };
    }
    case 'Squeeze': {
      const dims = attr.ints(n, 'squeeze_dims', []);
      return { ...x, shape: x.shape.filter((d, i) => d !== 1 || (dims.length > 0 && !dims.includes(i))) };
    }
    default: return undefined;
  }
}
