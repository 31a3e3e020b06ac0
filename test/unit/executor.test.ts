/** The executor: a hand-built DAG against a naive chain, tiles with padding overrides, memory and errors. */
import * as tf from '@tensorflow/tfjs-core';
import { strict as assert } from 'node:assert';
import { INPUT, type Conv2dNode, type Model, type Node, type NodeWeights, type Pad4, type Shape3, type Weights } from '../../shared/model/ir.ts';
import { ShapeMismatchError } from '../../shared/errors.ts';
import { tensor3, type Tensor3 } from '../../shared/tensor.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { tfjsEngine } from '../../worker/engine/engine.ts';
import { fromTf, runGraph, runReference, toTf } from '../../worker/engine/executor.ts';
import * as naive from '../support/naive.ts';

const pad = (top: number, bottom = top, left = top, right = left): Pad4 => ({ top, bottom, left, right });
const common = { name: 'n', dilation: [1, 1] as const, groups: 1 };

function conv(id: number, inputs: number[], out: Shape3, k: number, s: number, p: Pad4, extra: Partial<Conv2dNode> = {}): Conv2dNode {
  return {
    ...common, id, inputs, out, kind: 'conv2d', size: [k, k], stride: [s, s], pad: p, filters: out.c, batchNorm: false, activation: 'linear',
    ...extra,
  };
}
function model(name: string, input: Shape3, nodes: Node[]): Model {
  return { name, format: 'darknet', input, nodes, outputs: [nodes.length - 1], preprocess: { resize: 'stretch', scale: 1 }, head: 'none' };
}
function convWeights(n: Conv2dNode, cin: number, seed: number): NodeWeights {
  const w: NodeWeights = { kernel: naive.randomArray(n.size[0] * n.size[1] * cin * n.filters, seed), bias: naive.randomArray(n.filters, seed + 1) };
  if (n.batchNorm) Object.assign(w, naive.randomBn(n.filters, seed + 2));
  return w;
}
function naiveConv(x: Tensor3, n: Conv2dNode, w: NodeWeights): Tensor3 {
  const bn = w.bnScale ? { scale: w.bnScale, mean: w.bnMean!, variance: w.bnVariance! } : undefined;
  return naive.conv2d(x, {
    size: [n.size[0], n.size[1]], stride: [n.stride[0], n.stride[1]], dilation: [n.dilation[0], n.dilation[1]], pad: n.pad,
    groups: n.groups, kernel: w.kernel!, bias: w.bias, bn, activation: n.activation,
  });
}

/** conv → pool → two branches → concat → add (shortcut) → reorg → region. */
function dagModel(): { m: Model; w: Weights } {
  const s = (h: number, w: number, c: number): Shape3 => ({ h, w, c });
  const nodes: Node[] = [
    conv(0, [INPUT], s(8, 8, 8), 3, 1, pad(1), { batchNorm: true, activation: 'leaky' }),
    { id: 1, name: 'pool', inputs: [0], out: s(4, 4, 8), kind: 'maxpool', global: false, size: [2, 2], stride: [2, 2], pad: pad(0) },
    conv(2, [1], s(4, 4, 4), 1, 1, pad(0)),
    conv(3, [1], s(4, 4, 4), 3, 1, pad(1), { activation: 'mish' }),
    { id: 4, name: 'route', inputs: [2, 3], out: s(4, 4, 8), kind: 'concat', groups: 1, groupId: 0 },
    { id: 5, name: 'shortcut', inputs: [4, 1], out: s(4, 4, 8), kind: 'add', activation: 'leaky' },
    { id: 6, name: 'reorg', inputs: [5], out: s(2, 2, 32), kind: 'reorg', stride: 2 },
    { id: 7, name: 'region', inputs: [6], out: s(2, 2, 32), kind: 'region', anchors: [1, 1, 2, 2], classes: 11, num: 2, coords: 4 },
  ];
  const m = model('dag', s(8, 8, 3), nodes);
  const cw = (id: number, cin: number) => [id, convWeights(nodes[id] as Conv2dNode, cin, id + 1)] as const;
  const w: Weights = new Map([cw(0, 3), cw(2, 8), cw(3, 8)]);
  return { m, w };
}

function naiveDag(m: Model, w: Weights, x: Tensor3): Tensor3 {
  const c = (id: number, t: Tensor3) => naiveConv(t, m.nodes[id] as Conv2dNode, w.get(id)!);
  const p = naive.pool(c(0, x), { kind: 'max', size: [2, 2], stride: [2, 2], pad: pad(0) });
  const sum = naive.add([naive.concat([c(2, p), c(3, p)]), p], 'leaky');
  return naive.region(naive.reorg(sum, 2), 2, 4, 11);
}

/** A fused stack for tiling: convs with stride, dilation, BN and a Darknet 2×2/1 max-pool. */
function stackModel(): { m: Model; w: Weights } {
  const nodes: Node[] = [
    conv(0, [INPUT], { h: 13, w: 11, c: 4 }, 3, 1, pad(1), { activation: 'leaky' }),
    conv(1, [0], { h: 7, w: 6, c: 5 }, 3, 2, pad(1), { batchNorm: true, activation: 'relu' }),
    { id: 2, name: 'pool', inputs: [1], out: { h: 7, w: 6, c: 5 }, kind: 'maxpool', global: false, size: [2, 2], stride: [1, 1], pad: pad(0, 1, 0, 1) },
    conv(3, [2], { h: 7, w: 6, c: 3 }, 3, 1, pad(2), { dilation: [2, 2] }),
  ];
  const cw = (id: number, cin: number) => [id, convWeights(nodes[id] as Conv2dNode, cin, id + 11)] as const;
  const w: Weights = new Map([cw(0, 3), cw(1, 4), cw(3, 5)]);
  return { m: model('stack', { h: 13, w: 11, c: 3 }, nodes), w };
}

interface Span { lo: number; hi: number; padLo: number; padHi: number }
/** PAPER §2.3: output indices o1..o2 read o·S − P + k·D; clamp to the input and pad the rest. */
function back(o1: number, o2: number, f: number, s: number, d: number, p: number, n: number): Span {
  const lo = o1 * s - p, hi = o2 * s - p + (f - 1) * d;
  return { lo: Math.max(0, lo), hi: Math.min(n - 1, hi), padLo: Math.max(0, -lo), padHi: Math.max(0, hi - (n - 1)) };
}
function crop(x: Tensor3, y0: number, y1: number, x0: number, x1: number): Tensor3 {
  return naive.map(tensor3({ h: y1 - y0 + 1, w: x1 - x0 + 1, c: x.shape.c }), (_v, y, i, k) => naive.at(x, y + y0, i + x0, k));
}

describe('engine executor', () => {
  before(async () => { await initBackend('wasm'); });

  it('runReference on conv → pool → concat of two branches → add → reorg → region matches the naive chain', async () => {
    const { m, w } = dagModel();
    const x = naive.randomTensor(8, 8, 3, 5);
    const out = await runReference(m, w, x);
    assert.deepEqual([...out.keys()], [7]);
    naive.expectClose(out.get(7)!, naiveDag(m, w, x));
    const all = await runReference(m, w, x, { all: true });
    assert.deepEqual([...all.keys()], [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('runGraph frees every intermediate and reports peak bytes = max over layers of (input + output)', () => {
    const { m, w } = stackModel();
    const x = toTf(naive.randomTensor(13, 11, 3, 6));
    const before = tf.memory().numTensors;
    const r = runGraph({ model: m, weights: w, nodes: [0, 1, 2, 3], feeds: new Map([[INPUT, x]]), keep: [3] });
    // Without a cache option the run's weight tensors are freed too: only the kept output remains.
    assert.equal(tf.memory().numTensors, before + 1);
    const sizes = [13 * 11 * 3, 13 * 11 * 4, 7 * 6 * 5, 7 * 6 * 5, 7 * 6 * 3];
    assert.equal(r.peakBytes, 4 * Math.max(...sizes.slice(1).map((k, i) => sizes[i]! + k)));
    r.outputs.get(3)!.dispose();
    x.dispose();
  });

  for (const [o1, o2, c1, c2] of [[2, 4, 3, 5], [0, 1, 0, 2], [5, 6, 4, 5], [0, 6, 0, 5]] as const) {
    it(`a tile rows ${o1}..${o2} cols ${c1}..${c2} with tile padding = the crop of the full output, bit-exact`, async () => {
      const { m, w } = stackModel();
      const input = naive.randomTensor(13, 11, 3, 7);
      const full = (await runReference(m, w, input)).get(3)!;
      const pads = new Map<number, Pad4>();
      let [r, c]: { lo: number; hi: number }[] = [{ lo: o1, hi: o2 }, { lo: c1, hi: c2 }];
      for (let id = 3; id >= 0; id--) {
        const n = m.nodes[id] as Conv2dNode; // pools carry the same window fields, dilation 1
        const inShape = id === 0 ? m.input : m.nodes[id - 1]!.out;
        const d = n.dilation ?? [1, 1];
        const rs = back(r.lo, r.hi, n.size[0], n.stride[0], d[0], n.pad.top, inShape.h);
        const cs = back(c.lo, c.hi, n.size[1], n.stride[1], d[1], n.pad.left, inShape.w);
        pads.set(id, { top: rs.padLo, bottom: rs.padHi, left: cs.padLo, right: cs.padHi });
        [r, c] = [rs, cs];
      }
      const x = toTf(crop(input, r.lo, r.hi, c.lo, c.hi));
      const res = runGraph({ model: m, weights: w, nodes: [0, 1, 2, 3], feeds: new Map([[INPUT, x]]), keep: [3], ctxFor: (id) => ({ pad: pads.get(id)! }) });
      const tile = await fromTf(res.outputs.get(3)!);
      naive.expectClose(tile, crop(full, o1, o2, c1, c2), 0);
      res.outputs.get(3)!.dispose();
      x.dispose();
    });
  }

  it('the tfjs engine compiles a task once and reruns it with cached weights', async () => {
    const { m, w } = dagModel();
    const x = naive.randomTensor(8, 8, 3, 8);
    const want = (await runReference(m, w, x)).get(7)!;
    const before = tf.memory().numTensors;
    const task = tfjsEngine.compile({ model: m, nodes: m.nodes.map((n) => n.id), keep: [7], weightsFor: (id) => w.get(id) });
    for (let i = 0; i < 2; i++) {
      const r = await task.run(new Map([[INPUT, x]]));
      naive.expectClose(r.outputs.get(7)!, want, 0);
      assert.ok(r.peakBytes >= 4 * (8 * 8 * 3 + 8 * 8 * 8));
    }
    assert.ok(tf.memory().numTensors > before, 'weights stay uploaded between runs');
    task.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('errors name the layer and kind, and free what the run made', () => {
    const { m, w } = dagModel();
    const x = toTf(naive.randomTensor(8, 8, 3, 9));
    const before = tf.memory().numTensors;
    const bad = new Map(w).set(3, { kernel: new Float32Array(7) });
    const run = (opts: Partial<Parameters<typeof runGraph>[0]>) => () =>
      runGraph({ model: m, weights: w, nodes: m.nodes.map((n) => n.id), feeds: new Map([[INPUT, x]]), keep: [7], ...opts });
    assert.throws(run({ weights: bad }), /^Error: engine: layer 3 \(conv2d\): conv2d: kernel length 7 is not a multiple/);
    assert.throws(run({ nodes: [0, 1, 2, 4], keep: [4] }), /engine: layer 4 \(concat\): input 3 is neither fed nor computed/);
    const wrong = { ...m, nodes: m.nodes.map((n) => (n.id === 2 ? { ...n, out: { h: 4, w: 4, c: 5 } } : n)) };
    assert.throws(run({ model: wrong }), (e: unknown) => e instanceof ShapeMismatchError && e.layer === 2 &&
      /engine: conv2d: layer 2 expected shape \[4, 4, 5\] but got \[4, 4, 4\]/.test(e.message));
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });
});
