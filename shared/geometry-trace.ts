/**
 * Stack tracing (PAPER §2.2): walk a fused sub-DAG backwards from the regions its sinks must produce
 * and record, for every node, the region it computes, its tile padding and the region it crops from
 * each input. The per-node rules live in geometry.ts; this file only composes them over a stack.
 */
import { assert } from './errors.ts';
import { EMPTY_REGION, containsRegion, inputRegions, regionString, unionRegion } from './geometry.ts';
import { nodeInputs, type Model, type Pad4 } from './model/ir.ts';
import type { Region } from './tensor.ts';

/** What one node of a stack does for one tile. */
export interface NodeTrace {
  /** Output region the node computes. */
  readonly out: Region;
  /** Bounding box of what its stack consumers read, plus its own wanted region if it is a sink.
   *  Equals `out` unless data reuse (PAPER §2.5) shrank `out`; the rest is fetched from neighbours. */
  readonly needed: Region;
  /** Tile padding around the input crop (PAPER §2.3); zeros for non-window nodes. */
  readonly pad: Pad4;
  /** Region read from each input, in `node.inputs` order, in that input's coordinates. */
  readonly inputs: readonly Region[];
}

export interface StackTrace {
  /** Per stack node, in stack order. */
  readonly nodes: ReadonlyMap<number, NodeTrace>;
  /** Per external input (a node outside the stack, or INPUT = −1): bounding box of what the stack reads. */
  readonly external: ReadonlyMap<number, Region>;
  /** The wanted regions of the sinks, as given. */
  readonly sinks: ReadonlyMap<number, Region>;
}

/** Given a non-sink node and the region its consumers need, the part to compute (PAPER §2.5). */
export type Shrink = (id: number, needed: Region) => Region;

/**
 * Trace a fused stack (node ids in topological order) back from `outRegions`, the regions wanted
 * of its sinks. A node's region is the union of its consumers' needs, and its padding is computed
 * from that union, since that is what the worker runs (PAPER §2.2: keep both regions per layer).
 */
export function traceStack(model: Model, stack: readonly number[], outRegions: ReadonlyMap<number, Region>, shrink?: Shrink): StackTrace {
  const inStack = checkStack(model, stack, outRegions);
  const needed = new Map<number, Region>(outRegions);
  const traces = new Map<number, NodeTrace>();
  const external = new Map<number, Region>();
  for (let s = stack.length - 1; s >= 0; s--) {
    const id = stack[s];
    const want = needed.get(id);
    assert(want !== undefined, () => `geometry: stack node ${id} is neither a sink nor read by a later node of the stack`);
    const out = shrink !== undefined && !outRegions.has(id) ? shrink(id, want) : want;
    assert(containsRegion(want, out), () => `geometry: node ${id} shrunk to ${regionString(out)}, outside ${regionString(want)}`);
    const node = model.nodes[id];
    const { inputs, pad } = inputRegions(node, out, nodeInputs(model, node));
    traces.set(id, { out, needed: want, pad, inputs });
    node.inputs.forEach((src, k) => {
      const into = inStack.has(src) ? needed : external;
      into.set(src, unionRegion(into.get(src) ?? EMPTY_REGION, inputs[k]));
    });
  }
  const nodes = new Map(stack.map((id) => [id, traces.get(id)!] as const));
  return { nodes, external, sinks: new Map(outRegions) };
}

/** Validates the stack and returns its ids as a set. */
function checkStack(model: Model, stack: readonly number[], outRegions: ReadonlyMap<number, Region>): Set<number> {
  assert(stack.length > 0, () => 'geometry: empty stack');
  const seen = new Set<number>();
  for (const id of stack) {
    assert(Number.isInteger(id) && id >= 0 && id < model.nodes.length, () => `geometry: stack node ${id} not in model ${model.name} (${model.nodes.length} nodes)`);
    assert(!seen.has(id), () => `geometry: stack node ${id} listed twice`);
    for (const src of model.nodes[id].inputs) {
      assert(seen.has(src) || !stack.includes(src), () => `geometry: stack [${stack.join(', ')}] is not topological: node ${id} reads node ${src} listed after it`);
    }
    seen.add(id);
  }
  assert(outRegions.size > 0, () => `geometry: stack [${stack.join(', ')}] has no wanted sink region`);
  for (const id of outRegions.keys()) assert(seen.has(id), () => `geometry: sink ${id} is not in stack [${stack.join(', ')}]`);
  return seen;
}
