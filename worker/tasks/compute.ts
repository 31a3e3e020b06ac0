/**
 * Running a task's nodes on what it assembled: each node reads the crop of its inputs that the
 * geometry says it needs (PAPER §2.2: the worker crops between layers), runs its kernel with the
 * tile padding and its weight slice, and yields (region, channels, tensor).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Model, Node, NodeWeights } from '../../shared/model/ir.ts';
import { nodeInputs } from '../../shared/model/ir.ts';
import { tileRefusal } from '../../shared/model/kinds.ts';
import type { ChannelRange, Region } from '../../shared/tensor.ts';
import { inputRegions } from '../../shared/geometry.ts';
import { groupSlice } from '../../shared/partition/groups.ts';
import { ShapeMismatchError, assert } from '../../shared/errors.ts';
import type { NodeRun } from '../../shared/plan/types.ts';
import { regionEquals } from '../../shared/plan/sel.ts';
import { getKernel, type KernelCtx } from '../engine/kernels/index.ts';
import { bilinearTile } from '../engine/kernels/upsample-tile.ts';

/** A value held during a task: a tensor covering `region` × `channels` of node `node`. */
export interface Value { readonly t: tf.Tensor3D; readonly region: Region; readonly channels: ChannelRange }

/** Crop a held value to a region (and optionally channels), in the node's full coordinates. */
export function cropValue(v: Value, region: Region, channels: ChannelRange = v.channels): tf.Tensor3D {
  if (regionEquals(region, v.region) && channels.c0 === v.channels.c0 && channels.c1 === v.channels.c1) return v.t;
  assert(region.y0 >= v.region.y0 && region.y1 <= v.region.y1 && region.x0 >= v.region.x0 && region.x1 <= v.region.x1,
    () => `worker: crop [${region.y0},${region.y1})x[${region.x0},${region.x1}) outside held [${v.region.y0},${v.region.y1})x[${v.region.x0},${v.region.x1})`);
  return tf.slice(v.t, [region.y0 - v.region.y0, region.x0 - v.region.x0, channels.c0 - v.channels.c0],
    [region.y1 - region.y0, region.x1 - region.x0, channels.c1 - channels.c0]);
}

function isFull(node: Node, r: Region): boolean {
  return r.y0 === 0 && r.x0 === 0 && r.y1 === node.out.h && r.x1 === node.out.w;
}

/**
 * Nodes whose kernel assumes the whole map get a tile adapter: crop only rescales (its input was
 * already cut to the shifted region), nearest upsample runs on the crop and is cut to the tile,
 * bilinear upsample samples at full-map source coordinates (upsample-tile.ts).
 */
function runOnTile(node: Node, inputs: tf.Tensor3D[], inRegion: Region, run: NodeRun, w: NodeWeights | undefined, kctx: KernelCtx): tf.Tensor3D {
  const { cache } = kctx;
  if (node.kind === 'crop') return tf.add(tf.mul(inputs[0]!, node.scale), node.shift) as tf.Tensor3D;
  if (node.kind === 'upsample' && node.mode === 'nearest') {
    const up = getKernel('upsample').run(node, inputs, w, { cache });
    const s = node.stride, r = run.region;
    return tf.slice(up, [r.y0 - inRegion.y0 * s, r.x0 - inRegion.x0 * s, 0], [r.y1 - r.y0, r.x1 - r.x0, up.shape[2]]);
  }
  if (node.kind === 'upsample') return bilinearTile(node, inputs[0]!, inRegion, run.region);
  return getKernel(node.kind).run(node as never, inputs, w, kctx);
}

/**
 * An LOP slice of a grouped/depthwise conv reads only its groups' input channels and runs with
 * that many groups (KernelOverrides.groups); everything else reads all channels it holds.
 */
function groupedSlice(ctx: ComputeCtx, node: Node, run: NodeRun): ReturnType<typeof groupSlice> | undefined {
  if (node.kind !== 'conv2d' || node.groups === 1 || run.outChannels === undefined) return undefined;
  return groupSlice(node, nodeInputs(ctx.model, node)[0]!.c, run.outChannels);
}

export interface ComputeCtx {
  readonly model: Model;
  readonly cache: Map<string, unknown>;
  readonly weightsFor: (run: NodeRun) => NodeWeights | undefined;
  /** Called with live bytes after each node, for peak-memory accounting. */
  readonly onLive?: (bytes: number) => void;
}

/** Run `runs` in order over `values` (the assembled needs); adds each node's value to `values`. */
export function computeRuns(ctx: ComputeCtx, runs: readonly NodeRun[], values: Map<number, Value>, keep: ReadonlySet<number>): void {
  const lastUse = new Map<number, number>();
  runs.forEach((r, i) => ctx.model.nodes[r.node]!.inputs.forEach((src) => lastUse.set(src, i)));
  runs.forEach((run, i) => {
    const node = ctx.model.nodes[run.node]!;
    const shapes = nodeInputs(ctx.model, node);
    const { inputs: inRegs, pad } = inputRegions(node, run.region, shapes);
    const why = isFull(node, run.region) ? undefined : tileRefusal(node, shapes);
    assert(!why, () => `worker: layer ${node.id} (${node.kind}) cannot run on a tile: ${why}`);
    const slice = groupedSlice(ctx, node, run);
    const kctx: KernelCtx = { cache: ctx.cache, pad, partial: run.inChannels !== undefined, ...(slice ? { groups: slice.groups } : {}) };
    const t0 = tf.tidy(() => {
      const xs = node.inputs.map((src, k) => {
        const v = values.get(src);
        assert(v, () => `worker: layer ${node.id} needs layer ${src}, which this task neither received nor computed`);
        return cropValue(v, inRegs[k]!, slice?.inChannels ?? v.channels);
      });
      // A crop's input is always cut to the shifted region already, so it takes the tile path too.
      return isFull(node, run.region) && node.kind !== 'crop'
        ? getKernel(node.kind).run(node as never, xs, ctx.weightsFor(run), kctx)
        : runOnTile(node, xs, inRegs[0]!, run, ctx.weightsFor(run), kctx);
    });
    // A kernel may hand back its input (identity): own it, so disposing the input can't free it.
    const t = [...values.values()].some((v) => v.t === t0) ? t0.clone() : t0;
    const channels = run.outChannels ?? { c0: 0, c1: node.out.c };
    const want = [run.region.y1 - run.region.y0, run.region.x1 - run.region.x0, channels.c1 - channels.c0];
    if (t.shape.some((d, k) => d !== want[k])) throw new ShapeMismatchError(node.id, want, t.shape);
    values.set(run.node, { t, region: run.region, channels });
    ctx.onLive?.(liveBytes(values));
    for (const [src, last] of lastUse) {
      if (last === i && !keep.has(src) && values.has(src)) {
        values.get(src)!.t.dispose();
        values.delete(src);
      }
    }
  });
}

export function liveBytes(values: Map<number, Value>): number {
  let b = 0;
  for (const v of values.values()) b += v.t.size * 4;
  return b;
}
