/**
 * The executor: runs a sub-DAG of the model with the registered kernels. runGraph is what every task
 * builds on (a tile of a fused stack, a weight slice, the whole model); runReference is the
 * single-device reference every plan must reproduce (DESIGN.md "Correctness rule").
 */
import * as tf from '@tensorflow/tfjs-core';
import { INPUT, type Model, type Node, type NodeWeights, type Shape3, type Weights } from '../../shared/model/ir.ts';
import { assert, ShapeMismatchError } from '../../shared/errors.ts';
import { tensor3, type Tensor3 } from '../../shared/tensor.ts';
import { disposeCache, getKernel, type KernelCtx } from './kernels/index.ts';
import { Liveness } from './live.ts';

/** A host tensor as a backend tensor (the backend copies or adopts `t.data`; don't mutate it after). */
export function toTf(t: Tensor3): tf.Tensor3D {
  return tf.tensor3d(t.data, [t.shape.h, t.shape.w, t.shape.c], 'float32');
}

/** A backend tensor as a host tensor; `x` stays alive (the caller disposes it). */
export async function fromTf(x: tf.Tensor): Promise<Tensor3> {
  assert(x.rank === 3 && x.dtype === 'float32', () => `engine: expected a float32 H×W×C tensor, got ${x.dtype} [${x.shape}]`);
  const [h, w, c] = x.shape as [number, number, number];
  return tensor3({ h, w, c }, (await x.data()) as Float32Array);
}

export interface RunGraphOptions {
  readonly model: Model;
  /** Whole-model weights; `weightsFor` (a device's slices) takes precedence where it answers. */
  readonly weights?: Weights;
  /** Node ids to run, in topological order. */
  readonly nodes: readonly number[];
  /** External inputs by node id (INPUT = −1 for the model input); the caller owns and disposes them. */
  readonly feeds: ReadonlyMap<number, tf.Tensor3D>;
  /** Node ids whose outputs are returned (the caller then owns them). */
  readonly keep: readonly number[];
  /** Per-node overrides: tile padding, partial sums, slice groups. */
  readonly ctxFor?: (id: number) => Partial<KernelCtx> | undefined;
  readonly weightsFor?: (id: number) => NodeWeights | undefined;
  /** Weight tensors kept across runs (a compiled task's); without it they are uploaded and freed per run. */
  readonly cache?: Map<string, unknown>;
}

export interface RunGraphResult {
  readonly outputs: Map<number, tf.Tensor3D>;
  /** Peak bytes of activations held at once (inputs still needed + outputs made; kernel temporaries not counted). */
  readonly peakBytes: number;
}

/** Whether a tensor may differ from the model's shape: a tile (spatial) or a channel slice. */
interface Freedom { readonly spatial: boolean; readonly channels: boolean }

function expectedShape(model: Model, id: number): Shape3 {
  return id === INPUT ? model.input : model.nodes[id]!.out;
}

function countUses(opts: RunGraphOptions): Map<number, number> {
  const { model, nodes, feeds } = opts;
  const uses = new Map<number, number>();
  const inRun = new Set(nodes);
  for (const id of nodes) {
    assert(model.nodes[id]?.id === id, () => `engine: node ${id} is not in model ${model.name}`);
    assert(!feeds.has(id), () => `engine: layer ${id} is both fed and computed`);
    for (const i of model.nodes[id]!.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  }
  for (const id of opts.keep) assert(inRun.has(id), () => `engine: kept layer ${id} is not among the nodes run`);
  return uses;
}

function feedFreedom(model: Model, feeds: ReadonlyMap<number, tf.Tensor3D>): Map<number, Freedom> {
  const free = new Map<number, Freedom>();
  for (const [id, t] of feeds) {
    assert(id === INPUT || model.nodes[id] !== undefined, () => `engine: feed ${id} names no node of ${model.name}`);
    const e = expectedShape(model, id);
    free.set(id, { spatial: t.shape[0] !== e.h || t.shape[1] !== e.w, channels: t.shape[2] !== e.c });
  }
  return free;
}

/** A tile (pad override) or tile input frees the map size; a weight slice frees the channel count. */
function freedomOf(node: Node, inputs: Freedom[], ctx: KernelCtx, sliced: boolean): Freedom {
  const weighted = node.kind === 'conv2d' || node.kind === 'dense';
  return {
    spatial: node.kind !== 'dense' && (ctx.pad !== undefined || inputs.some((f) => f.spatial)),
    channels: weighted ? sliced || ctx.groups !== undefined : inputs.some((f) => f.channels),
  };
}

function runNode(node: Node, inputs: tf.Tensor3D[], weights: NodeWeights | undefined, ctx: KernelCtx): tf.Tensor3D {
  const kernel = getKernel(node.kind);
  try {
    return tf.tidy(() => {
      const y = kernel.run(node as never, inputs, weights, ctx);
      assert(y.rank === 3, () => `kernel returned rank ${y.rank}`);
      // A kernel may return an input unchanged (linear activation); every output gets its own handle.
      return inputs.includes(y) ? tf.clone(y) : y;
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`engine: layer ${node.id} (${node.kind}): ${msg}`, { cause: e });
  }
}

function checkShape(node: Node, out: tf.Tensor3D, free: Freedom): void {
  const [h, w, c] = out.shape;
  const e = node.out;
  if ((!free.spatial && (h !== e.h || w !== e.w)) || (!free.channels && c !== e.c)) {
    throw new ShapeMismatchError(node.id, [e.h, e.w, e.c], out.shape, `engine: ${node.kind}`);
  }
}

/**
 * Runs `nodes` on `feeds`, freeing each intermediate after its last consumer inside `nodes`.
 * Output shapes are checked against node.out, except where a tile or a slice legitimately changes them.
 */
export function runGraph(opts: RunGraphOptions): RunGraphResult {
  const live = new Liveness(opts.feeds, countUses(opts), new Set(opts.keep));
  const free = feedFreedom(opts.model, opts.feeds);
  const ownCache = opts.cache === undefined ? new Map<string, unknown>() : undefined;
  const cache = opts.cache ?? ownCache!;
  try {
    for (const id of opts.nodes) {
      const node = opts.model.nodes[id]!;
      const inputs = node.inputs.map((i) => live.input(node, i));
      const ctx: KernelCtx = { cache, ...opts.ctxFor?.(id) };
      const sliced = opts.weightsFor?.(id);
      const out = runNode(node, inputs, sliced ?? opts.weights?.get(id), ctx);
      const f = freedomOf(node, node.inputs.map((i) => free.get(i)!), ctx, sliced !== undefined);
      free.set(id, f);
      live.add(id, out);
      checkShape(node, out, f);
      live.consumed(node.inputs);
    }
    return { outputs: live.finish(), peakBytes: live.peakBytes };
  } catch (e) {
    live.abort();
    throw e;
  } finally {
    if (ownCache !== undefined) disposeCache(ownCache);
  }
}

export interface ReferenceOptions {
  /** Return every node's output, not just model.outputs (debugging, tests; holds all of them at once). */
  readonly all?: boolean;
  /** Keep weight tensors across calls (see RunGraphOptions.cache). */
  readonly cache?: Map<string, unknown>;
}

/** The whole model on this device: model.outputs (or every node) as host tensors. */
export async function runReference(model: Model, weights: Weights, input: Tensor3, opts: ReferenceOptions = {}): Promise<Map<number, Tensor3>> {
  const [s, m] = [input.shape, model.input];
  assert(s.h === m.h && s.w === m.w && s.c === m.c,
    () => `engine: input ${s.h}x${s.w}x${s.c} does not match ${model.name}'s input ${m.h}x${m.w}x${m.c}`);
  const x = toTf(input);
  let outputs: Map<number, tf.Tensor3D> | undefined;
  try {
    const nodes = model.nodes.map((n) => n.id);
    outputs = runGraph({
      model, weights, nodes, feeds: new Map([[INPUT, x]]), keep: opts.all ? nodes : model.outputs, cache: opts.cache,
    }).outputs;
    const result = new Map<number, Tensor3>();
    for (const [id, t] of outputs) result.set(id, await fromTf(t));
    return result;
  } finally {
    x.dispose();
    for (const t of outputs?.values() ?? []) t.dispose();
  }
}
