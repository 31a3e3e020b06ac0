/**
 * Folds and fusions that keep the IR small and exact: a per-channel or scalar multiply or add after a
 * linear conv goes into its kernel and bias; an activation after a linear conv or add becomes that
 * node's activation. Each applies only when the absorbing node's tensor has no other reader
 * (GraphBuilder.fusable), so no consumer can tell the difference. Scales by powers of two (the
 * CenterNet box head's ×16) are exact in float32; other scales differ from the graph by one rounding.
 */
import type { Activation, Conv2dNode, Node } from './ir.ts';
import { UnsupportedOp, type GraphBuilder, type Value } from './tfjs-graph-build.ts';

/** A scalar or one value per channel. */
export type PerChannel = number | Float32Array;

function at(v: PerChannel, i: number): number {
  return typeof v === 'number' ? v : v[i]!;
}

function foldableConv(b: GraphBuilder, id: number, channels: PerChannel): Conv2dNode | undefined {
  const n: Node | undefined = b.nodes[id];
  if (n?.kind !== 'conv2d' || n.activation !== 'linear' || n.batchNorm || !b.fusable(id)) return undefined;
  return typeof channels === 'number' || channels.length === n.filters ? n : undefined;
}

/** conv(x)·s: kernel and bias scaled per output channel. Returns undefined when it does not apply. */
export function foldScale(b: GraphBuilder, id: number, s: PerChannel, tf: string): Value | undefined {
  const n = foldableConv(b, id, s);
  if (!n) return undefined;
  const w = b.weights.get(id)!;
  const kernel = w.kernel!.map((k, i) => k * at(s, i % n.filters));
  const bias = w.bias?.map((v, i) => v * at(s, i));
  return b.absorb(id, n, tf, { ...w, kernel, bias });
}

/** conv(x) + a: added to the bias. */
export function foldBias(b: GraphBuilder, id: number, a: PerChannel, tf: string): Value | undefined {
  const n = foldableConv(b, id, a);
  if (!n) return undefined;
  const w = b.weights.get(id)!;
  const bias = new Float32Array(n.filters).map((_, i) => (w.bias?.[i] ?? 0) + at(a, i));
  return b.absorb(id, n, tf, { ...w, bias });
}

/** act(y) for a map y: fused into y's conv or add when linear and unobserved, else its own node. */
export function applyActivation(b: GraphBuilder, id: number, act: Activation, tf: string): Value {
  const n = b.nodes[id];
  if (n && (n.kind === 'conv2d' || n.kind === 'add') && n.activation === 'linear' && b.fusable(id)) {
    return b.absorb(id, { ...n, activation: act }, tf);
  }
  return b.add({ kind: 'activation', activation: act, inputs: [id] }, tf);
}

/**
 * A virtual value as a real map, for a consumer that is not one of the recognised patterns:
 * map·c and map + b fold into the producing conv, or the op is unsupported.
 */
export function materialize(b: GraphBuilder, v: Value, op: string): number {
  switch (v.kind) {
    case 'map': return v.id;
    case 'scaled': {
      const r = foldScale(b, v.of, v.c, v.tf);
      if (r?.kind === 'map') return r.id;
      throw new UnsupportedOp(`Mul (by a scalar, on a tensor that is not a linear conv's only output)`);
    }
    case 'shifted': {
      const r = foldBias(b, v.of, v.b, v.tf);
      if (r?.kind === 'map') return r.id;
      throw new UnsupportedOp(`Add (of a scalar, on a tensor that is not a linear conv's only output)`);
    }
    case 'relu6Shifted': {
      const x = materialize(b, { kind: 'shifted', of: v.of, b: 3, tf: v.tf }, op);
      const r = applyActivation(b, x, 'relu6', v.tf);
      return r.kind === 'map' ? r.id : materialize(b, r, op);
    }
    case 'flat':
      // [1, C] and 1×1×C hold the same values in the same order; a flattened larger map only feeds a dense.
      if (b.shape(v.of).h === 1 && b.shape(v.of).w === 1) return v.of;
      throw new UnsupportedOp(`Reshape (a flattened feature map read by ${op}, not by MatMul)`);
    case 'const': throw new UnsupportedOp(`${op} (on a constant where a feature map is expected)`);
    // The dispatcher never passes values of unsupported ops on (they were reported once already).
    case 'unsupported': throw new Error(`tfjs-graph: internal: ${op} reached an unsupported value`);
  }
}
