/**
 * TF op → IR, one handler per op family. Hard-swish and hard-sigmoid arrive as small op patterns
 * ((x·c)·relu6(x + 3) and c·relu6(x + 3), MobileNetV3 as TF writes it) and are matched through the
 * virtual values of tfjs-graph-build.ts; scalar and per-channel constants fold into the conv before.
 */
import { NO_PAD } from '../geometry.ts';
import { attr, type TfNode } from './tfjs-graph-parse.ts';
import { UNSUPPORTED, UnsupportedOp, type GraphBuilder, type Value } from './tfjs-graph-build.ts';
import { applyActivation, foldBias, foldScale } from './tfjs-graph-fold.ts';
import { convOp, requireNhwc, spatial, tfActivation, windowPad } from './tfjs-graph-conv.ts';
import { constOf, foldConst, mapOf, perChannelOf, scalarOf } from './tfjs-graph-values.ts';

type Handler = (b: GraphBuilder, n: TfNode, ins: readonly Value[]) => Value;

/** x + y (Add, AddV2, BiasAdd; Sub as x + (−y)): bias folds, the hard-swish shift, or a join of maps. */
function addOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  if (n.op === 'Sub' && ins[0]?.kind === 'const') throw new UnsupportedOp('Sub (a constant minus a feature map)');
  const [x, y] = ins[1]?.kind === 'const' || n.op === 'Sub' ? [ins[0], ins[1]] : [ins[1], ins[0]];
  const sign = n.op === 'Sub' ? -1 : 1;
  if (y?.kind !== 'const') return b.add({ kind: 'add', activation: 'linear', inputs: ins.map((v) => mapOf(b, v, n)) }, n.name);
  const id = mapOf(b, x, n);
  const s = scalarOf(y);
  if (s !== undefined) return { kind: 'shifted', of: id, b: sign * s, tf: n.name };
  const v = perChannelOf(y, b.shape(id).c);
  const folded = v && foldBias(b, id, v.map((a) => sign * a), n.name);
  if (!folded) throw new UnsupportedOp(`${n.op} (of a constant that is not a bias of a linear conv)`);
  return folded;
}

/** x · y: hard-swish / hard-sigmoid patterns, constant scales, squeeze-excite broadcasts, products of maps. */
function mulOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  const [p, q] = ins as [Value, Value];
  const hs = p.kind === 'scaled' && q.kind === 'relu6Shifted' ? [p, q] : q.kind === 'scaled' && p.kind === 'relu6Shifted' ? [q, p] : undefined;
  if (hs && hs[0].kind === 'scaled' && hs[1].kind === 'relu6Shifted' && hs[0].of === hs[1].of) {
    return b.add({ kind: 'activation', activation: 'hardswish', hardScale: hs[0].c, inputs: [hs[0].of] }, n.name);
  }
  const [k, x] = p.kind === 'const' ? [p, q] : [q, p];
  if (k.kind === 'const') {
    const c = scalarOf(k);
    if (c !== undefined && x.kind === 'relu6Shifted') return b.add({ kind: 'activation', activation: 'hardsigmoid', hardScale: c, inputs: [x.of] }, n.name);
    const id = mapOf(b, x, n);
    if (c !== undefined) return { kind: 'scaled', of: id, c, tf: n.name };
    const v = perChannelOf(k, b.shape(id).c);
    const folded = v && foldScale(b, id, v, n.name);
    if (!folded) throw new UnsupportedOp(`${n.op} (by a constant that is not a scale of a linear conv)`);
    return folded;
  }
  const [a, s] = [mapOf(b, p, n), mapOf(b, q, n)];
  // The IR's mul broadcasts its SECOND input when that is 1×1×C (squeeze-excite).
  const first = b.shape(a).h === 1 && b.shape(a).w === 1 && (b.shape(s).h > 1 || b.shape(s).w > 1);
  return b.add({ kind: 'mul', inputs: first ? [s, a] : [a, s] }, n.name);
}

function activationOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  const x = ins[0];
  if (n.op === 'Relu6' && x?.kind === 'shifted' && x.b === 3) return { kind: 'relu6Shifted', of: x.of, tf: n.name };
  const act = tfActivation(n.op, attr.float(n, 'alpha', 0.2));
  if (act === undefined) throw new UnsupportedOp(`${n.op} (alpha ${attr.float(n, 'alpha', 0.2)})`);
  return applyActivation(b, mapOf(b, x, n), act, n.name);
}

function poolOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  requireNhwc(n);
  const x = mapOf(b, ins[0], n);
  const s = b.shape(x);
  const size = spatial(n, 'ksize');
  const stride = spatial(n, 'strides');
  const pad = windowPad(n, s.h, s.w, size, stride, [1, 1]);
  return b.add({ kind: n.op === 'MaxPool' ? 'maxpool' : 'avgpool', global: false, size, stride, pad, inputs: [x] }, n.name);
}

/** Mean over rows and columns: the global average pool of squeeze-excite (keep_dims) or of a classifier ([1, C]). */
function meanOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  const x = mapOf(b, ins[0], n);
  const axes = Array.from(constOf(ins[1], n).data, (a) => (a < 0 ? a + 4 : a)).sort();
  if (axes.join() !== '1,2') throw new UnsupportedOp(`Mean (over axes [${axes}])`);
  const s = b.shape(x);
  return b.add({ kind: 'avgpool', global: true, size: [s.h, s.w], stride: [1, 1], pad: NO_PAD, inputs: [x] }, n.name);
}

/** Reshape: a no-op on the map, or a flatten to [1, N] that only a MatMul (dense) may read. */
function reshapeOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  const x = mapOf(b, ins[0], n);
  const s = b.shape(x);
  const want = Array.from(constOf(ins[1], n).data);
  const size = s.h * s.w * s.c;
  const flat = want.length === 2 && (want[0] === 1 || want[0] === -1) && (want[1] === size || want[1] === -1);
  if (flat) return { kind: 'flat', of: x, tf: n.name };
  const same = want.length === 4 && want.slice(1).join() === [s.h, s.w, s.c].join() && want[0]! <= 1;
  if (!same) throw new UnsupportedOp(`Reshape (${s.h}x${s.w}x${s.c} to [${want}])`);
  return ins[0]!;
}

/** MatMul / _FusedMatMul(x [1, in], W [in, units], bias?) → dense, activation fused as for convs. */
function matMulOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  if (attr.bool(n, 'transpose_a', false) || attr.bool(n, 'transpose_b', false)) throw new UnsupportedOp(`${n.op} (transposed)`);
  const x = ins[0]?.kind === 'flat' ? ins[0].of : mapOf(b, ins[0], n);
  const w = constOf(ins[1], n);
  const [inputs, units] = w.shape as [number, number];
  const s = b.shape(x);
  if (inputs !== s.h * s.w * s.c) throw new Error(`tfjs-graph: node ${n.name}: weights [${w.shape}] do not fit a ${s.h}x${s.w}x${s.c} input`);
  const ops = attr.strs(n, 'fused_ops');
  const act = ops.length > 1 ? tfActivation(ops[1]!, attr.float(n, 'leakyrelu_alpha', 0.2)) : 'linear';
  if ((ops.length > 0 && ops[0] !== 'BiasAdd') || ops.length > 2 || act === undefined) throw new UnsupportedOp(`${n.op} (${ops.join('+')})`);
  const bias = ops.length > 0 ? { bias: Float32Array.from(constOf(ins[2], n).data) } : {};
  return b.add({ kind: 'dense', units, batchNorm: false, activation: act, inputs: [x] }, n.name, { kernel: Float32Array.from(w.data), ...bias });
}

function concatOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  const axis = scalarOf(ins[ins.length - 1]);
  if (axis !== 3 && axis !== -1) throw new UnsupportedOp(`ConcatV2 (axis ${axis})`);
  return b.add({ kind: 'concat', groups: 1, groupId: 0, inputs: ins.slice(0, -1).map((v) => mapOf(b, v, n)) }, n.name);
}

/** ResizeBilinear / ResizeNearestNeighbor to an integer multiple of the input (the IR's upsample). */
function resizeOp(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  const x = mapOf(b, ins[0], n);
  const [oh, ow] = Array.from(constOf(ins[1], n).data);
  const s = b.shape(x);
  const stride = oh! / s.h;
  if (!Number.isInteger(stride) || ow! / s.w !== stride) throw new UnsupportedOp(`${n.op} (${s.h}x${s.w} to ${oh}x${ow}, not an integer scale)`);
  const alignCorners = attr.bool(n, 'align_corners', false), halfPixelCenters = attr.bool(n, 'half_pixel_centers', false);
  const nearest = n.op === 'ResizeNearestNeighbor';
  if (nearest && alignCorners) throw new UnsupportedOp(`${n.op} (align_corners)`);
  return b.add({ kind: 'upsample', stride, mode: nearest ? 'nearest' : 'bilinear', scale: 1, alignCorners, halfPixelCenters, inputs: [x] }, n.name);
}

const HANDLERS: Record<string, Handler> = {
  Conv2D: convOp, _FusedConv2D: convOp, DepthwiseConv2dNative: convOp, FusedDepthwiseConv2dNative: convOp,
  Add: addOp, AddV2: addOp, BiasAdd: addOp, Sub: addOp, Mul: mulOp,
  Relu: activationOp, Relu6: activationOp, Sigmoid: activationOp, Tanh: activationOp, LeakyRelu: activationOp,
  MaxPool: poolOp, AvgPool: poolOp, Mean: meanOp, ConcatV2: concatOp, Reshape: reshapeOp,
  MatMul: matMulOp, _FusedMatMul: matMulOp,
  AddN: (b, n, ins) => b.add({ kind: 'add', activation: 'linear', inputs: ins.map((v) => mapOf(b, v, n)) }, n.name),
  ResizeBilinear: resizeOp, ResizeNearestNeighbor: resizeOp,
  Softmax: (b, n, ins) => b.add({ kind: 'softmax', temperature: 1, inputs: [mapOf(b, ins[0], n)] }, n.name),
  Identity: (_b, _n, ins) => ins[0]!, StopGradient: (_b, _n, ins) => ins[0]!, Snapshot: (_b, _n, ins) => ins[0]!,
};

/** The value of node `n`; an unmappable op throws UnsupportedOp naming it. */
export function evalNode(b: GraphBuilder, n: TfNode, ins: readonly Value[]): Value {
  if (ins.length > 0 && ins.every((v) => v.kind === 'const')) {
    const t = foldConst(n, ins.map((v) => (v as { t: Parameters<typeof foldConst>[1][number] }).t));
    if (t) return { kind: 'const', t };
  }
  const h = HANDLERS[n.op];
  if (!h) throw new UnsupportedOp(n.op);
  // Behind an unsupported op only other unknown ops are worth reporting; the rest would just echo it.
  return ins.some((v) => v.kind === 'unsupported') ? UNSUPPORTED : h(b, n, ins);
}
