/**
 * The planner's per-layer size table: the M_l, K_l, W_l, CONV_l parameters of PAPER §4 (ILP-1) and
 * §5 (ILP-2), read off the model IR. Indices are node ids, i.e. Darknet layer indices for Darknet
 * models (PAPER §1: pool, route, reorg count).
 */
import { assert } from '../shared/errors.ts';
import { elements, nodeInputs, type Model, type Node, type NodeKind } from '../shared/model/ir.ts';
import { KINDS, kindFacts } from '../shared/model/kinds.ts';

/** One entry of the size list. Element counts, not bytes (fp32: bytes = 4 × elements). */
export interface LayerSize {
  readonly index: number;
  readonly kind: NodeKind;
  /** Weight-partitionable (CONV_l = 1): a plain conv, or a dense layer when `fc` is on. */
  readonly conv: boolean;
  /** Input elements; the sum over inputs for multi-input nodes (route, add). */
  readonly M: number;
  /** Output elements. */
  readonly K: number;
  /** Weight count (kernel only, biases and batch-norm excluded, as PAPER §3.4 counts). */
  readonly W: number;
}

export interface LayerOptions {
  /**
   * PAPER §3.4: partition FC layers as the 1×1 case (M = in features, K = units). Off by default,
   * because the authors' code runs every non-conv layer, FC included, on the data source.
   */
  readonly fc?: boolean;
}

/** The size list of layers `from`..end, in node order. */
export function tailLayers(model: Model, from: number, opts: LayerOptions = {}): LayerSize[] {
  assert(Number.isInteger(from) && from >= 0 && from <= model.nodes.length,
    () => `planner/layers: tail start ${from} is outside 0..${model.nodes.length} for model ${model.name}`);
  return model.nodes.slice(from).map((node) => layerSize(model, node, opts));
}

/** The size list of the whole model. */
export function allLayers(model: Model, opts: LayerOptions = {}): LayerSize[] {
  return tailLayers(model, 0, opts);
}

/**
 * The conv-and-pool part of a size list: everything before the first dense layer. PAPER §8's memory
 * table (ILP-2) covers only this part for VGG-16 and AlexNet, whose FC heads are not partitioned.
 */
export function convPart(layers: readonly LayerSize[]): LayerSize[] {
  const firstDense = layers.findIndex((l) => KINDS[l.kind].fc);
  return firstDense < 0 ? [...layers] : layers.slice(0, firstDense);
}

function layerSize(model: Model, node: Node, opts: LayerOptions): LayerSize {
  const M = nodeInputs(model, node).reduce((sum, s) => sum + elements(s), 0);
  const K = elements(node.out);
  return { index: node.id, kind: node.kind, conv: isPartitionable(node, opts), M, K, W: weightCount(model, node) };
}

function isPartitionable(node: Node, opts: LayerOptions): boolean {
  // Grouped and depthwise convs are not LOP/LIP-able as PAPER §3.1 defines them (§2.3: LIP does not apply).
  const facts = kindFacts(node);
  return facts.weights && facts.lip(node) && (!facts.fc || opts.fc === true);
}

function weightCount(model: Model, node: Node): number {
  if (node.kind === 'conv2d') {
    const cin = nodeInputs(model, node)[0]!.c;
    return node.size[0] * node.size[1] * (cin / node.groups) * node.filters;
  }
  if (node.kind === 'dense') return elements(nodeInputs(model, node)[0]!) * node.units;
  return 0;
}
