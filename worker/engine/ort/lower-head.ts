/**
 * ONNX lowering of the YOLO heads (kernels/region.ts, kernels/yolo.ts): the NCHW map viewed as
 * [1, anchors, entries, H, W] (channel = anchor·entries + entry, Darknet's entry_index), logistic
 * or softmax on entry ranges, and back.
 */
import type { RegionNode, YoloNode } from '../../../shared/model/ir.ts';
import { assert } from '../../../shared/errors.ts';
import { slice, type Lowering } from './lower-util.ts';

type Part = readonly [from: number, n: number, f: 'sigmoid' | 'softmax' | 'raw'];

function perAnchor(l: Lowering, anchors: number, entries: number, parts: readonly Part[]): string {
  const { g } = l;
  const [h, w, c] = l.dims[0]!;
  assert(c === anchors * entries, () => `${l.node.kind}: ${c} channels but ${anchors} anchors × ${entries} entries`);
  const v = g.op('Reshape', [l.xs[0]!, g.ints([1, anchors, entries, h, w])]);
  const outs = parts.filter(([, n]) => n > 0).map(([from, n, f]) => {
    const e = slice(g, v, [2], [from], [from + n]);
    return f === 'raw' ? e : f === 'sigmoid' ? g.op('Sigmoid', [e]) : g.op('Softmax', [e], { axis: 2 });
  });
  return g.op('Reshape', [g.op('Concat', outs, { axis: 2 }), g.ints([1, c, h, w])]);
}

export function lowerRegion(l: Lowering<RegionNode>): string {
  const { coords, classes } = l.node;
  return perAnchor(l, l.node.num, coords + 1 + classes,
    [[0, 2, 'sigmoid'], [2, coords - 2, 'raw'], [coords, 1, 'sigmoid'], [coords + 1, classes, 'softmax']]);
}

export function lowerYolo(l: Lowering<YoloNode>): string {
  const n = 5 + l.node.classes;
  return perAnchor(l, l.node.mask.length, n, [[0, 2, 'sigmoid'], [2, 2, 'raw'], [4, n - 4, 'sigmoid']]);
}
