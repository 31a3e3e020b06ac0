/**
 * One program step on tfjs: crop each input to what the geometry says it reads (PAPER §2.2: the
 * worker crops between layers), run the kernel with the tile padding and weight slice, and check
 * the result's shape against the step's selection.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Node, NodeWeights } from '../../shared/model/ir.ts';
import type { StepSpec, ValueSel } from '../../shared/plan/program.ts';
import { selDims } from '../../shared/plan/program.ts';
import { regionEquals } from '../../shared/plan/sel.ts';
import { assert, ShapeMismatchError } from '../../shared/errors.ts';
import { getKernel, type KernelCtx } from './kernels/index.ts';
import { bilinearTile } from './kernels/upsample-tile.ts';

/** A value held during a run: a tensor covering `region` × `channels` of node `node`. */
export interface Value extends ValueSel { readonly t: tf.Tensor3D }

/** Crop a held value to `want` (node coordinates); the value itself when they are equal. */
export function cropValue(v: Value, want: Omit<ValueSel, 'node'>): tf.Tensor3D {
  const { region: r, channels: c } = want;
  if (regionEquals(r, v.region) && c.c0 === v.channels.c0 && c.c1 === v.channels.c1) return v.t;
  assert(r.y0 >= v.region.y0 && r.y1 <= v.region.y1 && r.x0 >= v.region.x0 && r.x1 <= v.region.x1,
    () => `worker: crop [${r.y0},${r.y1})x[${r.x0},${r.x1}) outside held [${v.region.y0},${v.region.y1})x[${v.region.x0},${v.region.x1})`);
  return tf.slice(v.t, [r.y0 - v.region.y0, r.x0 - v.region.x0, c.c0 - v.channels.c0], [r.y1 - r.y0, r.x1 - r.x0, c.c1 - c.c0]);
}

/**
 * Nodes whose kernel assumes the whole map get a tile adapter: crop only rescales (its input was
 * already cut to the shifted region), nearest upsample runs on the crop and is cut to the tile,
 * bilinear upsample samples at full-map source coordinates (upsample-tile.ts).
 */
function runOnTile(node: Node, xs: tf.Tensor3D[], step: StepSpec, w: NodeWeights | undefined, kctx: KernelCtx): tf.Tensor3D {
  const inRegion = step.inputs[0]!.region;
  if (node.kind === 'crop') return tf.add(tf.mul(xs[0]!, node.scale), node.shift) as tf.Tensor3D;
  if (node.kind === 'upsample' && node.mode === 'nearest') {
    const up = getKernel('upsample').run(node, xs, w, { cache: kctx.cache });
    const s = node.stride, r = step.region;
    return tf.slice(up, [r.y0 - inRegion.y0 * s, r.x0 - inRegion.x0 * s, 0], [r.y1 - r.y0, r.x1 - r.x0, up.shape[2]]);
  }
  if (node.kind === 'upsample') return bilinearTile(node, xs[0]!, inRegion, step.region);
  // Kinds that can't be tiled were refused when the program was built (program.ts, kinds.ts tileRefusal).
  return getKernel(node.kind).run(node as never, xs, w, kctx);
}

/** Runs `step` over `values`; returns the new value (never one of the inputs' tensors). */
export function runStep(node: Node, step: StepSpec, values: ReadonlyMap<number, Value>, w: NodeWeights | undefined, cache: Map<string, unknown>): Value {
  const kctx: KernelCtx = { cache, pad: step.pad, partial: step.partial, ...(step.groups !== undefined ? { groups: step.groups } : {}) };
  let t: tf.Tensor3D;
  try {
    t = tf.tidy(() => {
      const xs = step.inputs.map((sel) => {
        const v = values.get(sel.node);
        assert(v, () => `input ${sel.node} is neither fed nor computed`);
        return cropValue(v, sel);
      });
      const y = step.tile ? runOnTile(node, xs, step, w, kctx) : getKernel(node.kind).run(node as never, xs, w, kctx);
      assert(y.rank === 3, () => `kernel returned rank ${y.rank}`);
      // A kernel may hand back its input (identity, linear): own a copy, so freeing the input can't free it.
      return [...values.values()].some((v) => v.t === y) || xs.includes(y) ? tf.clone(y) : y;
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`engine: layer ${node.id} (${node.kind}): ${msg}`, { cause: e });
  }
  const want = selDims(step);
  if (t.shape.some((d, k) => d !== want[k])) {
    t.dispose();
    throw new ShapeMismatchError(node.id, want, t.shape, `engine: ${node.kind}`);
  }
  return { node: step.node, region: step.region, channels: step.channels, t };
}
