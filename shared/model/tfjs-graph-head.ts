/**
 * Which graph outputs are feature maps for the IR and which belong to a box-decoding tail (TopKV2,
 * GatherV2, …, as CenterNet's `detections`). The tail is not imported: the head task decodes the
 * maps instead (worker/head/centernet.ts), with the parameters read here from the tail's ops.
 */
import type { CenterNetDecode, HeadKind, Shape3 } from './ir.ts';
import { attr, producer, type TfGraph } from './tfjs-graph-parse.ts';
import type { ConstTensor } from './tfjs-graph-weights.ts';

/** Ops that only a decoding tail uses: an output that depends on one is decoded by the head. */
const DECODE_OPS = new Set([
  'TopKV2', 'NonMaxSuppressionV2', 'NonMaxSuppressionV3', 'NonMaxSuppressionV4', 'NonMaxSuppressionV5', 'CombinedNonMaxSuppression',
]);

/** Node names `from` depends on, themselves included. */
export function ancestors(graph: TfGraph, from: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const t of graph.nodes.get(name)?.inputs ?? []) stack.push(producer(t));
  }
  return seen;
}

export interface OutputSplit {
  /** Tensor names the IR computes, in signature order. */
  readonly maps: readonly string[];
  /** Node names of the decoding tail (ancestors of decoded outputs that the maps do not need). */
  readonly tail: ReadonlySet<string>;
}

export function splitOutputs(graph: TfGraph): OutputSplit {
  const decoded: string[] = [];
  const maps: string[] = [];
  for (const t of graph.outputs) {
    const up = ancestors(graph, [producer(t)]);
    ([...up].some((name) => DECODE_OPS.has(graph.nodes.get(name)!.op)) ? decoded : maps).push(t);
  }
  const needed = ancestors(graph, maps.map(producer));
  const tail = new Set([...ancestors(graph, decoded.map(producer))].filter((name) => !needed.has(name)));
  return { maps, tail };
}

export interface HeadChoice {
  readonly head: HeadKind;
  /** Indices into the output maps, in the order the head reads them. */
  readonly order: readonly number[];
  readonly centernet?: CenterNetDecode;
}

/**
 * CenterNet: a TopKV2 tail over two maps, a class heatmap and a 4-channel box map (ltrb distances).
 * The peak window is the tail's MaxPool (3×3 in the paper), K its TopKV2's k.
 */
export function chooseHead(graph: TfGraph, split: OutputSplit, shapes: readonly Shape3[], consts: ReadonlyMap<string, ConstTensor>): HeadChoice {
  const tailOps = [...split.tail].map((name) => graph.nodes.get(name)!);
  const topk = tailOps.find((n) => n.op === 'TopKV2');
  const box = shapes.findIndex((s) => s.c === 4);
  if (topk && shapes.length === 2 && box >= 0 && shapes[1 - box]!.c > 4) {
    const k = consts.get(producer(topk.inputs[1] ?? ''))?.data[0] ?? 100;
    const pool = tailOps.find((n) => n.op === 'MaxPool');
    const peakWindow = pool ? attr.ints(pool, 'ksize')[1]! : 3;
    return { head: 'centernet', order: [1 - box, box], centernet: { topK: k, peakWindow } };
  }
  if (shapes.length === 1 && shapes[0]!.h === 1 && shapes[0]!.w === 1) return { head: 'classifier', order: [0] };
  return { head: 'none', order: shapes.map((_, i) => i) };
}
