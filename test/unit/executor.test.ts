/** The executor on each engine: a hand-built DAG against a naive chain, tiles with padding overrides, memory and errors. */
import * as tf from '@tensorflow/tfjs-core';
import { strict as assert } from 'node:assert';
import { INPUT, type Conv2dNode, type Model, type Node, type NodeWeights, type Pad4, type Shape3, type Weights } from '../../shared/model/ir.ts';
import { ShapeMismatchError } from '../../shared/errors.ts';
import { tensor3, type Tensor3 } from '../../shared/tensor.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import type { Engine } from '../../worker/engine/engine.ts';
import { tfjsEngine } from '../../worker/engine/tfjs-engine.ts';
import { ortEngine } from '../../worker/engine/ort/engine.ts';
import { runReference, wholeWeights } from '../../worker/engine/executor.ts';
import { modelProgram, programPeakBytes, taskProgram } from '../../shared/plan/program.ts';
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

for (const name of ['tfjs', 'ort'] as const) describe(`engine executor on ${name}`, () => {
  let engine: Engine;
  before(async () => {
    await initBackend('wasm');
    engine = name === 'ort' ? await ortEngine() : tfjsEngine;
  });

  it('runReference on conv → pool → concat of two branches → add → reorg → region matches the naive chain', async () => {
    const { m, w } = dagModel();
    const x = naive.randomTensor(8, 8, 3, 5);
    const out = await runReference(m, w, x, { engine });
    assert.deepEqual([...out.keys()], [7]);
    naive.expectClose(out.get(7)!, naiveDag(m, w, x));
    const all = await runReference(m, w, x, { all: true, engine });
    assert.deepEqual([...all.keys()], [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('peak bytes = max over layers of (input + output); a tfjs run frees every intermediate', async () => {
    const { m, w } = stackModel();
    const p = modelProgram(m);
    const sizes = [13 * 11 * 3, 13 * 11 * 4, 7 * 6 * 5, 7 * 6 * 5, 7 * 6 * 3];
    assert.equal(programPeakBytes(p), 4 * Math.max(...sizes.slice(1).map((k, i) => sizes[i]! + k)));
    const before = tf.memory().numTensors;
    const task = await engine.compile(p, wholeWeights(w));
    const r = await task.run([naive.randomTensor(13, 11, 3, 6)]);
    assert.equal(r.peakBytes, programPeakBytes(p));
    task.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  for (const [o1, o2, c1, c2] of [[2, 4, 3, 5], [0, 1, 0, 2], [5, 6, 4, 5], [0, 6, 0, 5]] as const) {
    it(`a tile rows ${o1}..${o2} cols ${c1}..${c2} with tile padding = the crop of the full output, bit-exact`, async () => {
      const { m, w } = stackModel();
      const input = naive.randomTensor(13, 11, 3, 7);
      const full = (await runReference(m, w, input, { engine })).get(3)!;
      const runs: { node: number; region: { y0: number; y1: number; x0: number; x1: number } }[] = [];
      let [r, c]: { lo: number; hi: number }[] = [{ lo: o1, hi: o2 }, { lo: c1, hi: c2 }];
      for (let id = 3; id >= 0; id--) {
        runs.unshift({ node: id, region: { y0: r.lo, y1: r.hi + 1, x0: c.lo, x1: c.hi + 1 } });
        const n = m.nodes[id] as Conv2dNode; // pools carry the same window fields, dilation 1
        const inShape = id === 0 ? m.input : m.nodes[id - 1]!.out;
        const d = n.dilation ?? [1, 1];
        [r, c] = [back(r.lo, r.hi, n.size[0], n.stride[0], d[0], n.pad.top, inShape.h), back(c.lo, c.hi, n.size[1], n.stride[1], d[1], n.pad.left, inShape.w)];
      }
      const sel = { node: INPUT, region: { y0: r.lo, y1: r.hi + 1, x0: c.lo, x1: c.hi + 1 }, channels: { c0: 0, c1: 3 } };
      const p = taskProgram(m, 'tile', [{ sel, reduce: false, pieces: [] }], runs, [3]);
      const task = await engine.compile(p, wholeWeights(w));
      const tile = (await task.run([crop(input, r.lo, r.hi, c.lo, c.hi)])).outputs.get(3)!;
      task.dispose();
      naive.expectClose(tile, crop(full, o1, o2, c1, c2), name === 'tfjs' ? 0 : 1e-5);
    });
  }

  it('compiles a task once and reruns it with its weights kept', async () => {
    const { m, w } = dagModel();
    const x = naive.randomTensor(8, 8, 3, 8);
    const want = (await runReference(m, w, x, { engine })).get(7)!;
    const before = tf.memory().numTensors;
    const task = await engine.compile(modelProgram(m), wholeWeights(w));
    for (let i = 0; i < 2; i++) {
      const r = await task.run([x]);
      naive.expectClose(r.outputs.get(7)!, want, 0);
      assert.ok(r.peakBytes >= 4 * (8 * 8 * 3 + 8 * 8 * 8));
    }
    if (name === 'tfjs') assert.ok(tf.memory().numTensors > before, 'weights stay uploaded between runs');
    task.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('errors name the layer and kind, and free what the run made', async () => {
    const { m, w } = dagModel();
    const x = naive.randomTensor(8, 8, 3, 9);
    const before = tf.memory().numTensors;
    const bad = new Map(w).set(3, { kernel: new Float32Array(7) });
    await assert.rejects(runReference(m, bad, x, { engine }), /layer 3 \(conv2d\): conv2d: kernel length 7 is not a multiple/);
    if (name === 'tfjs') {
      const wrong = { ...m, nodes: m.nodes.map((n) => (n.id === 2 ? { ...n, out: { h: 4, w: 4, c: 5 } } : n)) };
      await assert.rejects(runReference(wrong, w, x, { engine }), (e: unknown) => e instanceof ShapeMismatchError && e.layer === 2 &&
        /engine: conv2d: layer 2 expected shape \[4, 4, 5\] but got \[4, 4, 4\]/.test(e.message));
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
