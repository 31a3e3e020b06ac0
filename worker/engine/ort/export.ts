/**
 * A task program as one ONNX model: feeds (H×W×C, transposed to NCHW), each step's input crops as
 * Slices, its layer lowered with the step's weight slice baked in as initializers, and the kept
 * values transposed back as outputs named `o<node>`.
 */
import type { Node } from '../../../shared/model/ir.ts';
import { computedNodes, selDims, type ProgramWeights, type StepSpec, type TaskProgram, type ValueSel } from '../../../shared/plan/program.ts';
import { assert } from '../../../shared/errors.ts';
import { OnnxGraph } from './graph.ts';
import { activate, OnnxUnsupportedError, slice, type Lowering } from './lower-util.ts';
import { lowerConv, lowerDense, lowerFinish } from './lower-weighted.ts';
import { lowerAdd, lowerConcat, lowerCrop, lowerPool, lowerReorg, lowerSoftmax, lowerUpsample } from './lower-map.ts';
import { lowerRegion, lowerYolo } from './lower-head.ts';

type Lower = (l: Lowering<never>) => string;

/** One lowering per layer kind: tsc lists a new kind here. */
const LOWER: Record<Node['kind'], Lower> = {
  conv2d: lowerConv, dense: lowerDense, maxpool: lowerPool, avgpool: lowerPool, softmax: lowerSoftmax,
  concat: lowerConcat, add: lowerAdd, mul: (l) => l.g.op('Mul', [l.xs[0]!, l.xs[1]!]),
  activation: (l: Lowering<Extract<Node, { kind: 'activation' }>>) => l.g.op('Identity', [activate(l.g, l.xs[0]!, l.node.activation, l.node.hardScale)]),
  reorg: lowerReorg, upsample: lowerUpsample, crop: lowerCrop, identity: (l) => l.g.op('Identity', [l.xs[0]!]),
  region: lowerRegion, yolo: lowerYolo,
};

interface Held extends ValueSel { readonly name: string }

/** The crop of a held NCHW value that a step reads. */
function crop(g: OnnxGraph, v: Held, want: ValueSel): string {
  const [r, c] = [want.region, want.channels];
  const same = r.y0 === v.region.y0 && r.y1 === v.region.y1 && r.x0 === v.region.x0 && r.x1 === v.region.x1
    && c.c0 === v.channels.c0 && c.c1 === v.channels.c1;
  if (same) return v.name;
  const [dy, dx, dc] = [v.region.y0, v.region.x0, v.channels.c0];
  return slice(g, v.name, [1, 2, 3], [c.c0 - dc, r.y0 - dy, r.x0 - dx], [c.c1 - dc, r.y1 - dy, r.x1 - dx]);
}

function lowerStep(g: OnnxGraph, p: TaskProgram, step: StepSpec, held: Map<number, Held>, weights: ProgramWeights): string {
  const node = p.model.nodes[step.node]!;
  if (step.tile && node.kind === 'reorg') throw new OnnxUnsupportedError(node.id, node.kind, 'reorg cannot run on a tile');
  const xs = step.inputs.map((sel) => {
    const v = held.get(sel.node);
    assert(v, () => `ort: layer ${node.id} needs layer ${sel.node}, which task ${p.name} neither feeds nor computes`);
    return crop(g, v, sel);
  });
  const l: Lowering = { g, node, step, xs, dims: step.inputs.map(selDims), weights: weights(step) };
  try {
    return (LOWER[node.kind] as (l: Lowering) => string)(l);
  } catch (e) {
    if (e instanceof OnnxUnsupportedError) throw e;
    throw new Error(`ort: layer ${node.id} (${node.kind}): ${(e as Error).message}`, { cause: e });
  }
}

/** Feed `k`, whose host tensors are inputs `f<first>`…: partial sums are added in the graph (Sum). */
function feed(g: OnnxGraph, p: TaskProgram, k: number, first: number, weights: ProgramWeights): string {
  const f = p.feeds[k]!;
  const [h, w, c] = selDims(f);
  const xs = Array.from({ length: f.parts ?? 1 }, (_, j) => g.input(`f${first + j}`, [1, h, w, c]));
  const x = g.op('Transpose', [xs.length > 1 ? g.op('Sum', xs) : xs[0]!], { perm: [0, 3, 1, 2] });
  if (!f.finish) return x;
  const node = p.model.nodes[f.node]!;
  assert(node.kind === 'conv2d' || node.kind === 'dense', () => `ort: task ${p.name} finishes layer ${node.id}, a ${node.kind}`);
  return lowerFinish(g, node, x, c, weights({ node: f.node, finish: true }));
}

const sameSel = (a: ValueSel, b: ValueSel): boolean => a.region.y0 === b.region.y0 && a.region.y1 === b.region.y1
  && a.region.x0 === b.region.x0 && a.region.x1 === b.region.x1 && a.channels.c0 === b.channels.c0 && a.channels.c1 === b.channels.c1;

/**
 * The graph's outputs: `o<node>` for kept values, `c<k>` for cuts that are a part of a computed value
 * (the Slice runs in ORT, not as strided host copies). A kept node all of whose cuts are `c` outputs
 * is not output whole (no task but the head reads values whole).
 */
export function programOutputs(p: TaskProgram): { nodes: number[]; cuts: { name: string; sel: ValueSel }[] } {
  const computed = computedNodes(p);
  const sels = new Map<number, ValueSel>([...p.feeds, ...p.steps].map((v) => [v.node, v]));
  const cuts = (p.cuts ?? []).map((sel, k) => ({ name: `c${k}`, sel })).filter((c) => computed.has(c.sel.node) && !sameSel(c.sel, sels.get(c.sel.node)!));
  const whole = (n: number) => (p.cuts ?? []).some((c) => c.node === n && sameSel(c, sels.get(n)!)) || !cuts.some((c) => c.sel.node === n);
  return { nodes: p.keep.filter((n) => computed.has(n) && whole(n)), cuts };
}

/** ModelProto bytes of `p`; throws OnnxUnsupportedError when a step has no lowering. */
export function exportProgram(p: TaskProgram, weights: ProgramWeights): Uint8Array {
  const g = new OnnxGraph();
  const held = new Map<number, Held>();
  let first = 0;
  p.feeds.forEach((f, k) => {
    held.set(f.node, { ...f, name: feed(g, p, k, first, weights) });
    first += f.parts ?? 1;
  });
  for (const step of p.steps) held.set(step.node, { ...step, name: lowerStep(g, p, step, held, weights) });
  const out = programOutputs(p);
  for (const n of out.nodes) {
    const v = held.get(n)!;
    g.output(g.op('Transpose', [v.name], { perm: [0, 2, 3, 1] }), `o${n}`, [1, ...selDims(v)]);
  }
  for (const c of out.cuts) g.output(g.op('Transpose', [crop(g, held.get(c.sel.node)!, c.sel)], { perm: [0, 2, 3, 1] }), c.name, [1, ...selDims(c.sel)]);
  return g.encode(p.name);
}
