/**
 * The IR under construction while a TF graph is walked: nodes with inferred shapes, their weights,
 * and the TF tensor each IR node currently stands for (a fused activation or folded bias moves it to
 * the op that was absorbed). Values flowing along TF edges are constants, IR maps, or "virtual"
 * maps (a map times or plus a scalar) that only a recognised pattern or a fold may consume.
 */
import { INPUT, type CropNode, type Node, type NodeWeights, type Shape3, type Weights } from './ir.ts';
import { outShape, ShapeError, type NodeSpec } from './shapes.ts';
import type { ConstTensor } from './tfjs-graph-weights.ts';
import type { TfGraph } from './tfjs-graph-parse.ts';

export type Value =
  | { readonly kind: 'const'; readonly t: ConstTensor }
  | { readonly kind: 'map'; readonly id: number }
  /** map · c, c a scalar constant (first half of hard-swish, or an output scale to fold); `tf` made it. */
  | { readonly kind: 'scaled'; readonly of: number; readonly c: number; readonly tf: string }
  /** map + b, b a scalar constant (the x + 3 of hard-swish / hard-sigmoid). */
  | { readonly kind: 'shifted'; readonly of: number; readonly b: number; readonly tf: string }
  /** relu6(map + 3). */
  | { readonly kind: 'relu6Shifted'; readonly of: number; readonly tf: string }
  /** A map flattened to [1, H·W·C] (HWC order, as the IR's dense reads its input). */
  | { readonly kind: 'flat'; readonly of: number; readonly tf: string }
  /** Produced by an unsupported op (already reported). */
  | { readonly kind: 'unsupported' };

type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A node as a handler describes it: the builder assigns id, name and shape. */
export type DraftSpec = DistOmit<Exclude<NodeSpec, CropNode>, 'id' | 'name'>;

export const UNSUPPORTED: Value = { kind: 'unsupported' };

/** An op the importer cannot map; collected so one error can list them all. */
export class UnsupportedOp extends Error {
  constructor(readonly op: string) {
    super(`tfjs-graph: unsupported op ${op}`);
  }
}

export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly weights: Weights = new Map();
  readonly #tfOf: string[] = [];

  /** `protect`: TF node names whose tensors must stay observable (model outputs). */
  constructor(readonly graph: TfGraph, readonly input: Shape3, readonly protect: ReadonlySet<string>) {}

  shape(id: number): Shape3 {
    return id === INPUT ? this.input : this.nodes[id]!.out;
  }

  /** Append a node (shape inferred and checked) standing for TF node `tf`. */
  add(spec: DraftSpec, tf: string, w?: NodeWeights): Value {
    const id = this.nodes.length;
    const full = { ...spec, id, name: tf } as NodeSpec;
    let out: Shape3;
    try {
      out = outShape(full, full.inputs.map((i) => this.shape(i)));
    } catch (e) {
      throw e instanceof ShapeError ? new Error(`tfjs-graph: node ${tf}: ${e.detail}`) : e;
    }
    this.nodes.push({ ...full, out } as Node);
    this.#tfOf.push(tf);
    if (w) this.weights.set(id, w);
    return { kind: 'map', id };
  }

  /** Replace node `id` (same shape) after absorbing TF node `tf` into it. */
  absorb(id: number, node: Node, tf: string, w?: NodeWeights): Value {
    this.nodes[id] = node;
    this.#tfOf[id] = tf;
    if (w) this.weights.set(id, w);
    return { kind: 'map', id };
  }

  /**
   * Whether node `id` may absorb the one op that reads its TF tensor: exactly one consumer edge
   * and not a model output, so nobody else can observe the value before the fused op.
   */
  fusable(id: number): boolean {
    if (id === INPUT) return false;
    const tf = this.#tfOf[id]!;
    return (this.graph.consumers.get(tf)?.length ?? 0) === 1 && !this.protect.has(tf);
  }
}
