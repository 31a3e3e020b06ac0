/**
 * ONNX lowering of bilinear upsampling, whole map or tile alike: output rows and columns keep their
 * full-map source coordinates (kernels/upsample-tile.ts taps), interpolated across columns on the
 * two source rows, then between the rows, in tfjs's order of operations.
 */
import type { UpsampleNode } from '../../../shared/model/ir.ts';
import { taps } from '../kernels/upsample-tile.ts';
import type { Lowering } from './lower-util.ts';
import type { OnnxGraph } from './graph.ts';

function lerp(g: OnnxGraph, x: string, axis: number, t: ReturnType<typeof taps>): string {
  const lo = g.op('Gather', [x, g.ints(t.lo)], { axis });
  const hi = g.op('Gather', [x, g.ints(t.hi)], { axis });
  const dims = axis === 3 ? [1, 1, 1, t.frac.length] : [1, 1, t.frac.length, 1];
  return g.op('Add', [lo, g.op('Mul', [g.op('Sub', [hi, lo]), g.floats(t.frac, dims)])]);
}

export function lowerBilinear(l: Lowering<UpsampleNode>): string {
  const { g, node, step } = l;
  const [inH, inW] = [node.out.h / node.stride, node.out.w / node.stride];
  const inR = step.inputs[0]!.region, r = step.region;
  const rows = taps(node, r.y0, r.y1, inH, node.out.h, inR.y0);
  const cols = taps(node, r.x0, r.x1, inW, node.out.w, inR.x0);
  const y = lerp(g, lerp(g, l.xs[0]!, 3, cols), 2, rows);
  return node.scale === 1 ? y : g.op('Mul', [y, g.scalar(node.scale)]);
}
