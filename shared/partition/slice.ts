/**
 * Weight slicing (PAPER §3.2): a device materialises only the weights of its slices — the memory
 * saving of weight partitioning. LOP keeps filters [c0, c1) with their bias and BN statistics; LIP
 * keeps every filter restricted to input channels [c0, c1) (BN stays whole: it is folded into the
 * kernel and applied to the sum once); a reduce task keeps only the bias/BN of its output range.
 */
import type { Node, NodeWeights, Shape3 } from '../model/ir.ts';
import { hasWeights } from '../model/kinds.ts';
import { assert } from '../errors.ts';
import type { ChannelRange } from '../tensor.ts';

export interface SliceSpec {
  readonly out?: ChannelRange;
  readonly in?: ChannelRange;
  /** Only what finishing a partial sum needs: bias and BN of `out`. */
  readonly finishOnly?: boolean;
}

/** Select columns [c0, c1) of a row-major [rows][cols] matrix (the output index is innermost). */
function sliceInner(a: Float32Array, cols: number, r: ChannelRange): Float32Array {
  const rows = a.length / cols, w = r.c1 - r.c0;
  const out = new Float32Array(rows * w);
  for (let i = 0; i < rows; i++) out.set(a.subarray(i * cols + r.c0, i * cols + r.c1), i * w);
  return out;
}

/** Keep rows whose index, counted in blocks of `period`, falls in [c0, c1) (HWC input channels). */
function sliceRows(a: Float32Array, rowLen: number, period: number, r: ChannelRange): Float32Array {
  const rows = a.length / rowLen;
  const keep: number[] = [];
  for (let i = 0; i < rows; i++) if (i % period >= r.c0 && i % period < r.c1) keep.push(i);
  const out = new Float32Array(keep.length * rowLen);
  keep.forEach((i, k) => out.set(a.subarray(i * rowLen, (i + 1) * rowLen), k * rowLen));
  return out;
}

function outCount(node: Node): number {
  return node.kind === 'dense' ? node.units : node.out.c;
}

/** The part of `w` a task on `node` needs; `inShape` is the node's full input shape. */
export function sliceWeights(node: Node, w: NodeWeights, inShape: Shape3, s: SliceSpec): NodeWeights {
  assert(hasWeights(node), () => `slice: layer ${node.id} (${node.kind}) has no weights to slice`);
  const outs = outCount(node);
  const r = s.out;
  assert(!r || (r.c0 >= 0 && r.c1 <= outs && r.c0 < r.c1), () => `slice: layer ${node.id}: output range ${r?.c0}..${r?.c1} outside 0..${outs}`);
  const vec = (a: Float32Array | undefined) => (a && r ? a.slice(r.c0, r.c1) : a);
  const res: NodeWeights = { bias: vec(w.bias), bnScale: vec(w.bnScale), bnMean: vec(w.bnMean), bnVariance: vec(w.bnVariance) };
  if (s.finishOnly || !w.kernel) return res;
  let k = w.kernel;
  if (s.in) {
    // conv HWIO: rows are (kh, kw, cin) with cin innermost; dense [in][units]: rows are HWC pixels × channels.
    const period = inShape.c / (node.kind === 'conv2d' ? node.groups : 1);
    assert(s.in.c1 <= period, () => `slice: layer ${node.id}: input range ${s.in!.c0}..${s.in!.c1} outside 0..${period}`);
    k = sliceRows(k, outs, period, s.in);
  }
  if (r) k = sliceInner(k, outs, r);
  return { ...res, kernel: k };
}

export function weightBytes(w: NodeWeights): number {
  return [w.kernel, w.bias, w.bnScale, w.bnMean, w.bnVariance].reduce((a, x) => a + (x?.byteLength ?? 0), 0);
}
