/**
 * ONNX lowering of the unweighted map layers: pools (Darknet max-pool padding is ignored cells,
 * avg-pool excludes padding from the divisor), softmax, concat/route, add/shortcut, mul, reorg,
 * upsample, crop, identity.
 */
import type { AddNode, ConcatNode, CropNode, Pad4, PoolNode, ReorgNode, SoftmaxNode, UpsampleNode } from '../../../shared/model/ir.ts';
import { assert } from '../../../shared/errors.ts';
import { reorgIndex } from '../kernels/reorg.ts';
import { activate, channels, slice, type Lowering } from './lower-util.ts';
import { lowerBilinear } from './lower-resize.ts';

/** Valid cells of each window along one axis (kernels/pool.ts windowCounts). */
function counts(n: number, size: number, stride: number, lead: number, outs: number): number[] {
  return Array.from({ length: outs }, (_v, o) => Math.min(n - 1, o * stride - lead + size - 1) - Math.max(0, o * stride - lead) + 1);
}

/** Pads at least the window size (ONNX pools reject them): pad explicitly, then rescale an average. */
function poolPadded(l: Lowering<PoolNode>, p: Pad4): string {
  const { g, node } = l;
  const [h, w] = l.dims[0]!;
  const [kh, kw] = node.size, [sh, sw] = node.stride;
  const max = node.kind === 'maxpool';
  const padded = g.op('Pad', [l.xs[0]!, g.ints([0, 0, p.top, p.left, 0, 0, p.bottom, p.right]), g.scalar(max ? -Infinity : 0)]);
  const y = g.op(max ? 'MaxPool' : 'AveragePool', [padded], { kernel_shape: [kh, kw], strides: [sh, sw] });
  if (max) return y;
  const oh = Math.floor((h + p.top + p.bottom - kh) / sh) + 1, ow = Math.floor((w + p.left + p.right - kw) / sw) + 1;
  const rows = counts(h, kh, sh, p.top, oh), cols = counts(w, kw, sw, p.left, ow);
  const fix = Float32Array.from({ length: oh * ow }, (_v, i) => (kh * kw) / (rows[Math.floor(i / ow)]! * cols[i % ow]!));
  return g.op('Mul', [y, g.floats(fix, [1, 1, oh, ow])]);
}

export function lowerPool(l: Lowering<PoolNode>): string {
  const { g, node, step } = l;
  const max = node.kind === 'maxpool';
  if (node.global) return g.op(max ? 'GlobalMaxPool' : 'GlobalAveragePool', [l.xs[0]!]);
  const p = step.pad, [kh, kw] = node.size;
  if (p.top >= kh || p.bottom >= kh || p.left >= kw || p.right >= kw) return poolPadded(l, p);
  const attrs = { kernel_shape: [kh, kw], strides: [...node.stride], pads: [p.top, p.left, p.bottom, p.right] };
  return g.op(max ? 'MaxPool' : 'AveragePool', [l.xs[0]!], max ? attrs : { ...attrs, count_include_pad: 0 });
}

export function lowerSoftmax(l: Lowering<SoftmaxNode>): string {
  const { g, node } = l;
  const x = node.temperature === 1 ? l.xs[0]! : l.g.op('Div', [l.xs[0]!, g.scalar(node.temperature)]);
  return g.op('Softmax', [x], { axis: 1 });
}

export function lowerConcat(l: Lowering<ConcatNode>): string {
  const { g, node } = l;
  const parts = node.groups <= 1 ? l.xs : l.xs.map((x, k) => {
    const c = l.dims[k]![2];
    assert(c % node.groups === 0, () => `concat: ${c} channels do not split into ${node.groups} groups`);
    const part = c / node.groups;
    return channels(g, x, node.groupId * part, (node.groupId + 1) * part);
  });
  return parts.length === 1 ? g.op('Identity', [parts[0]!]) : g.op('Concat', [...parts], { axis: 1 });
}

/** Darknet shortcut between unequal maps (kernels/add.ts): sample b every `s`, add into the first min(C) channels. */
function shortcut(l: Lowering<AddNode>, s: number): string {
  const { g } = l;
  const [h, w, ca] = l.dims[0]!, cb = l.dims[1]![2];
  const sampled = s > 1 ? slice(g, l.xs[1]!, [2, 3], [0, 0], [h * s, w * s], [s, s]) : l.xs[1]!;
  const minc = Math.min(ca, cb);
  const a = minc === ca ? l.xs[0]! : channels(g, l.xs[0]!, 0, minc);
  const sum = g.op('Add', [a, minc === cb ? sampled : channels(g, sampled, 0, minc)]);
  return minc === ca ? sum : g.op('Concat', [sum, channels(g, l.xs[0]!, minc, ca)], { axis: 1 });
}

export function lowerAdd(l: Lowering<AddNode>): string {
  const { g, node } = l;
  if (node.shortcutStride !== undefined) return activate(g, shortcut(l, node.shortcutStride), node.activation);
  const sum = l.xs.length === 2 ? g.op('Add', [l.xs[0]!, l.xs[1]!]) : g.op('Sum', [...l.xs]);
  return activate(g, sum, node.activation);
}

/** Darknet reorg's exact index order (kernels/reorg.ts) as one Gather over the HWC flattening. */
export function lowerReorg(l: Lowering<ReorgNode>): string {
  const { g, node } = l;
  const [h, w, c] = l.dims[0]!, s = node.stride;
  const flat = g.op('Reshape', [g.op('Transpose', [l.xs[0]!], { perm: [0, 2, 3, 1] }), g.ints([-1])]);
  const picked = g.op('Gather', [flat, g.ints(reorgIndex(h, w, c, s))], { axis: 0 });
  const hwc = g.op('Reshape', [picked, g.ints([1, h / s, w / s, c * s * s])]);
  return g.op('Transpose', [hwc], { perm: [0, 3, 1, 2] });
}

/** Nearest ×s by broadcasting (exact), cut to the tile's rows and columns; bilinear in lower-resize.ts. */
export function lowerUpsample(l: Lowering<UpsampleNode>): string {
  const { g, node, step } = l;
  if (node.mode === 'bilinear') return lowerBilinear(l);
  const [h, w, c] = l.dims[0]!, s = node.stride;
  const rows = g.op('Reshape', [l.xs[0]!, g.ints([1, c, h, 1, w, 1])]);
  let y = g.op('Reshape', [g.op('Expand', [rows, g.ints([1, c, h, s, w, s])]), g.ints([1, c, h * s, w * s])]);
  const inR = step.inputs[0]!.region, r = step.region;
  const [y0, x0] = [r.y0 - inR.y0 * s, r.x0 - inR.x0 * s];
  if (y0 !== 0 || x0 !== 0 || r.y1 - r.y0 !== h * s || r.x1 - r.x0 !== w * s) {
    y = slice(g, y, [2, 3], [y0, x0], [y0 + r.y1 - r.y0, x0 + r.x1 - r.x0]);
  }
  return node.scale === 1 ? y : g.op('Mul', [y, g.scalar(node.scale)]);
}

/** Darknet crop: x·scale + shift; the geometry already cut the input to the window at (top, left) (tfjs-steps.ts runOnTile). */
export function lowerCrop(l: Lowering<CropNode>): string {
  const { g, node } = l;
  return g.op('Add', [g.op('Mul', [l.xs[0]!, g.scalar(node.scale)]), g.scalar(node.shift)]);
}
