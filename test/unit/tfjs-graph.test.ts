/**
 * TF.js GraphModel importer: weight decoding (quantized included), op mapping and pattern folds on
 * a hand-made MobileNetV3-style graph, and the real CenterNet — each checked against tfjs's own
 * GraphModel executor on the same input (max rel diff ≤ 1e-4), plus the one-error report of
 * unsupported ops.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { importGraph, loadTfjsGraph } from '../../shared/model/tfjs-graph.ts';
import { parseGraph } from '../../shared/model/tfjs-graph-parse.ts';
import { decodeWeights, halfToFloat } from '../../shared/model/tfjs-graph-weights.ts';
import type { Model, Weights } from '../../shared/model/ir.ts';
import { resolveBuiltinModel } from '../../shared/assets.ts';
import { tensor3, type Tensor3 } from '../../shared/tensor.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { runReference } from '../../worker/engine/executor.ts';
import { sampleInput } from '../../worker/verify.ts';
import { centernetPeaks, decodeCenterNet } from '../../worker/head/centernet.ts';
import { A, GraphFixture, floatToHalf, rng, tfjsGraphModel } from '../support/tfjs-graph-fixture.ts';

/** max |a − b| / max |b| over one map. */
function relDiff(ours: Float32Array, ref: Float32Array): number {
  assert.equal(ours.length, ref.length);
  let d = 0, m = 0;
  for (let i = 0; i < ref.length; i++) { d = Math.max(d, Math.abs(ours[i]! - ref[i]!)); m = Math.max(m, Math.abs(ref[i]!)); }
  return d / m;
}

const conv = (strides = [1, 1, 1, 1], padding = 'SAME', fused?: string[]) => ({
  strides: A.ints(strides), padding: A.s(padding), data_format: A.s('NHWC'), dilations: A.ints([1, 1, 1, 1]),
  ...(fused ? { fused_ops: A.strs(fused), num_args: A.i(1), epsilon: A.f(0) } : {}),
});

/** Hard-swish as TF writes it: (x·c)·relu6(x + 3), c = 1/6 rounded to float16. */
function hardSwish(g: GraphFixture, x: string, p: string): string {
  const c = g.const(`${p}/c`, [], [1 / 6], 'float16');
  const three = g.const(`${p}/3`, [], [3], 'float16');
  const m = g.op(`${p}/mul`, 'Mul', [c, x]);
  const r = g.op(`${p}/relu6`, 'Relu6', [g.op(`${p}/add`, 'Add', [x, three])]);
  return g.op(`${p}/mul_1`, 'Mul', [m, r]);
}

/** conv s2 → hard-swish → depthwise → squeeze-excite → project (+ residual) → bilinear ×2 → concat → heads. */
function mobileNetLike(): GraphFixture {
  const g = new GraphFixture();
  const x = g.input('images', [1, 16, 16, 3]);
  const c0 = g.op('c0', '_FusedConv2D', [x, g.rand('w0', [3, 3, 3, 8], 1, 'float16'), g.rand('b0', [8], 2)], conv([1, 2, 2, 1], 'SAME', ['BiasAdd']));
  const hs = hardSwish(g, c0, 'hs');
  const dw = g.op('dw', 'FusedDepthwiseConv2dNative', [hs, g.rand('wd', [3, 3, 8, 1], 3, 'uint8'), g.rand('bd', [8], 4)], conv([1, 1, 1, 1], 'SAME', ['BiasAdd', 'Relu']));
  const mean = g.op('se/mean', 'Mean', [dw, g.const('se/axes', [2], [1, 2], 'int32')], { keep_dims: A.b(true) });
  const s1 = g.op('se/c1', '_FusedConv2D', [mean, g.rand('ws1', [1, 1, 8, 4], 5), g.rand('bs1', [4], 6)], conv([1, 1, 1, 1], 'SAME', ['BiasAdd', 'Relu']));
  const s2 = g.op('se/c2', '_FusedConv2D', [s1, g.rand('ws2', [1, 1, 4, 8], 7), g.rand('bs2', [8], 8)], conv([1, 1, 1, 1], 'SAME', ['BiasAdd']));
  const sr = g.op('se/relu6', 'Relu6', [g.op('se/add', 'Add', [s2, g.const('se/3', [], [3])])]);
  const se = g.op('se/mul', 'Mul', [g.op('se/hsig', 'Mul', [g.const('se/c', [], [1 / 6], 'float16'), sr]), dw]);
  const p = g.op('proj', '_FusedConv2D', [se, g.rand('wp', [1, 1, 8, 8], 9, 'uint16'), g.rand('bp', [8], 10)], conv([1, 1, 1, 1], 'VALID', ['BiasAdd']));
  const res = g.op('res', 'AddV2', [p, hs]);
  const up = g.op('up', 'ResizeBilinear', [res, g.const('up/size', [2], [16, 16], 'int32')], { align_corners: A.b(false), half_pixel_centers: A.b(false) });
  const side = g.op('side', 'Conv2D', [x, g.rand('wside', [3, 3, 3, 4], 11)], conv());
  const cat = g.op('cat', 'Relu', [g.op('concat', 'ConcatV2', [up, side, g.const('axis', [], [3], 'int32')], { N: A.i(2) })]);
  const pool = g.op('pool', 'MaxPool', [cat], { ksize: A.ints([1, 3, 3, 1]), strides: A.ints([1, 1, 1, 1]), padding: A.s('SAME'), data_format: A.s('NHWC') });
  g.op('heat', 'Identity', [g.op('heat/sig', 'Sigmoid', [g.op('heat/conv', 'Conv2D', [pool, g.rand('wh', [1, 1, 12, 5], 12)], conv())])]);
  const box = g.op('box/conv', '_FusedConv2D', [pool, g.rand('wb', [3, 3, 12, 4], 13), g.rand('bb', [4], 14)], conv([1, 1, 1, 1], 'SAME', ['BiasAdd']));
  g.op('box', 'Identity', [g.op('box/mul', 'Mul', [box, g.const('box/16', [], [16])])]);
  g.output('heat');
  g.output('box');
  return g;
}

function importFixture(g: GraphFixture, name = 'fixture'): { model: Model; weights: Weights } {
  const json = g.json();
  return importGraph(parseGraph(json, `${name}.json`), decodeWeights(json.weightsManifest, [g.weightBytes()], `${name}.json`), { name, file: `${name}.json` }, json);
}

describe('tfjs-graph: weights manifest', () => {
  it('half → float is exact for normals, subnormals, zero and infinities', () => {
    assert.equal(halfToFloat(0x3c00), 1);
    assert.equal(halfToFloat(0xc000), -2);
    assert.equal(halfToFloat(0x7bff), 65504);
    assert.equal(halfToFloat(0x0001), 2 ** -24);
    assert.equal(halfToFloat(0x8000), -0);
    assert.equal(halfToFloat(0x7c00), Infinity);
    assert.equal(halfToFloat(floatToHalf(1 / 6)), 0.1666259765625);
  });

  it('decodes float32, int32, float16, uint8 and uint16 weights laid back to back', () => {
    const g = new GraphFixture();
    g.const('f', [2], [1.5, -2.25]);
    g.const('i', [3], [7, -1, 3], 'int32');
    g.const('h', [2], [0.5, -3], 'float16');
    g.const('q8', [3], [0, 0.5, 1], 'uint8');
    g.const('q16', [2], [-1, 1], 'uint16');
    const w = decodeWeights(g.json().weightsManifest, [g.weightBytes()], 'w.json');
    assert.deepEqual([...w.get('f')!.data], [1.5, -2.25]);
    assert.deepEqual([...w.get('i')!.data], [7, -1, 3]);
    assert.equal(w.get('i')!.dtype, 'int32');
    assert.deepEqual([...w.get('h')!.data], [0.5, -3]);
    [...w.get('q8')!.data].forEach((v, k) => assert.ok(Math.abs(v - [0, 0.5, 1][k]!) < 1 / 255, `uint8 ${k}: ${v}`));
    assert.deepEqual([...w.get('q16')!.data].map((v) => Math.round(v * 1e6) / 1e6), [-1, 1]);
  });

  it('names the weight when the shards are too short', () => {
    const g = new GraphFixture();
    g.const('a', [4], [1, 2, 3, 4]);
    assert.throws(() => decodeWeights(g.json().weightsManifest, [g.weightBytes().subarray(0, 8)], 'short.json'),
      /tfjs-graph: short\.json: weight a needs bytes 0\.\.16 but the shards hold 8/);
  });
});

describe('tfjs-graph: op mapping', function () {
  this.timeout(60_000);
  before(() => initBackend('wasm'));

  it('maps a MobileNetV3-style graph: fused convs, hard-swish/-sigmoid patterns, SE broadcast, folds', () => {
    const { model, weights } = importFixture(mobileNetLike());
    const kinds = model.nodes.map((n) => n.kind);
    assert.deepEqual(kinds, ['conv2d', 'activation', 'conv2d', 'avgpool', 'conv2d', 'conv2d', 'activation', 'mul', 'conv2d', 'add',
      'upsample', 'conv2d', 'concat', 'activation', 'maxpool', 'conv2d', 'conv2d']);
    const hs = model.nodes[1]!, hsig = model.nodes[6]!, se = model.nodes[7]!, dw = model.nodes[2]!;
    assert.ok(hs.kind === 'activation' && hs.activation === 'hardswish' && hs.hardScale === 0.1666259765625);
    assert.ok(hsig.kind === 'activation' && hsig.activation === 'hardsigmoid' && hsig.hardScale === 0.1666259765625);
    assert.deepEqual(se.inputs, [2, 6], 'the full map comes first, the 1x1 scale second');
    assert.ok(dw.kind === 'conv2d' && dw.groups === 8 && dw.activation === 'relu');
    const [heat, box] = model.outputs.map((id) => model.nodes[id]!);
    assert.ok(heat!.kind === 'conv2d' && heat!.activation === 'logistic', 'Sigmoid fused into the heat conv');
    assert.equal(box!.out.c, 4);
    assert.equal(model.head, 'none');
    assert.equal(weights.get(box!.id)!.bias![0], Math.fround(rng(14, 0.5)()) * 16, '×16 folded into the box bias');
  });

  it('equals tfjs GraphModel.execute on the hand-made graph (quantized weights included)', async () => {
    const g = mobileNetLike();
    const { model, weights } = importFixture(g);
    const r = rng(99, 128);
    const input = tensor3(model.input, Float32Array.from({ length: 16 * 16 * 3 }, () => 128 + r()));
    const ours = await runReference(model, weights, input);
    const gm = await tfjsGraphModel(g.json(), g.weightBytes());
    const x = tf.tensor4d(input.data, [1, 16, 16, 3]);
    const ref = gm.execute(x, ['heat', 'box']) as tf.Tensor[];
    for (let k = 0; k < 2; k++) {
      const rel = relDiff(ours.get(model.outputs[k]!)!.data, (await ref[k]!.data()) as Float32Array);
      assert.ok(rel <= 1e-4, `output ${k}: max rel diff ${rel}`);
    }
    tf.dispose([x, ...ref]);
    gm.dispose();
  });

  it('imports other graphs of the package as classifiers (flatten, MatMul, global Mean) equal to tfjs', async () => {
    const dir = resolveBuiltinModel('centernet').replace(/centernet\.json$/, '');
    for (const [name, classes] of [['emotion', 7], ['antispoof', 1]] as const) {
      const { model, weights } = await loadTfjsGraph(`${dir}${name}.json`);
      assert.equal(model.head, 'classifier');
      assert.equal(model.nodes[model.outputs[0]!]!.out.c, classes);
      const r = rng(7, 0.5);
      const { h, w, c } = model.input;
      const input = tensor3(model.input, Float32Array.from({ length: h * w * c }, () => 0.5 + r()));
      const ours = (await runReference(model, weights, input)).get(model.outputs[0]!)!;
      const gm = await tfjsGraphModel(JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')), readFileSync(`${dir}${name}.bin`));
      const x = tf.tensor4d(input.data, [1, h, w, c]);
      const ref = gm.execute(x) as tf.Tensor;
      assert.ok(relDiff(ours.data, (await ref.data()) as Float32Array) <= 1e-4, name);
      tf.dispose([x, ref]);
      gm.dispose();
    }
  });

  it('reports every unsupported op, with counts, in one error naming the file', () => {
    const g = new GraphFixture();
    const x = g.input('x', [1, 4, 4, 2]);
    const a = g.op('erf1', 'Erf', [x]);
    const b = g.op('erf2', 'Erf', [a]);
    const c = g.op('pad', 'MirrorPad', [b, g.const('pads', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0], 'int32')], { mode: A.s('REFLECT') });
    g.op('out', 'Relu', [g.op('cumsum', 'Cumsum', [c, g.const('ax', [], [3], 'int32')])]);
    g.output('out');
    assert.throws(() => importFixture(g, 'odd'), (e: Error) => {
      assert.equal(e.name, 'ModelFormatError');
      assert.match(e.message, /^tfjs-graph: odd\.json: unsupported ops: Erf ×2, MirrorPad ×1, Cumsum ×1$/);
      return true;
    });
  });
});

describe('tfjs-graph: CenterNet (@vladmandic/human)', function () {
  this.timeout(90_000);
  let model: Model, weights: Weights;
  const path = resolveBuiltinModel('centernet');
  before(async () => {
    await initBackend('wasm');
    ({ model, weights } = await loadTfjsGraph(path));
  });

  it('resolves the built-in name to the installed package and imports the whole DAG', () => {
    assert.match(path, /@vladmandic[/\\]human[/\\]models[/\\]centernet\.json$/);
    assert.equal(model.head, 'centernet');
    assert.deepEqual(model.input, { h: 512, w: 512, c: 3 });
    assert.deepEqual(model.outputs.map((id) => model.nodes[id]!.out), [{ h: 128, w: 128, c: 80 }, { h: 128, w: 128, c: 4 }]);
    assert.deepEqual(model.centernet, { topK: 100, peakWindow: 3 });
    assert.equal(model.labels?.[16], 'dog');
    const count = (k: string) => model.nodes.filter((n) => n.kind === k).length;
    assert.deepEqual([count('conv2d'), count('avgpool'), count('upsample'), count('concat'), count('add'), count('mul')], [89, 9, 3, 3, 13, 9]);
  });

  it('equals tfjs GraphModel.execute on the dog photo, maps and decoded detections', async () => {
    const json = JSON.parse(readFileSync(path, 'utf8'));
    const gm = await tfjsGraphModel(json, readFileSync(path.replace(/\.json$/, '.bin')));
    const input = sampleInput(model);
    const x = tf.tensor4d(input.data, [1, 512, 512, 3]);
    const ref = gm.execute(x, ['tower_0/keypoints', 'tower_0/wh', 'tower_0/detections']) as tf.Tensor[];
    const ours = await runReference(model, weights, input);
    const [heat, box] = model.outputs.map((id) => ours.get(id)!) as [Tensor3, Tensor3];
    assert.ok(relDiff(heat.data, (await ref[0]!.data()) as Float32Array) <= 1e-4);
    assert.ok(relDiff(box.data, (await ref[1]!.data()) as Float32Array) <= 1e-4);
    // The graph's own decoding tail: [x1, y1, x2, y2, score, class] × 100, best first.
    const dets = ((await ref[2]!.array()) as number[][][])[0]!;
    const peaks = centernetPeaks(model, heat, box);
    for (let i = 0; i < 10; i++) {
      const [x1, y1, x2, y2, score, cls] = dets[i]!;
      assert.equal(peaks[i]!.classId, cls, `peak ${i} class`);
      assert.ok(Math.abs(peaks[i]!.score - score!) < 1e-5, `peak ${i} score ${peaks[i]!.score} vs ${score}`);
      peaks[i]!.box.forEach((v, k) => assert.ok(Math.abs(v - [x1, y1, x2, y2][k]!) < 1e-2, `peak ${i} box ${k}: ${v}`));
    }
    tf.dispose([x, ...ref]);
    gm.dispose();
  });
});

describe('head: centernet decode', () => {
  // 4×4 heatmap of 2 classes on a 16×16 input (stride 4); the frame is 32×64 (stretched).
  const model = {
    name: 'cn', format: 'tfjs-graph', input: { h: 16, w: 16, c: 3 }, nodes: [], outputs: [0, 1], head: 'centernet',
    preprocess: { resize: 'stretch', scale: 1 }, labels: ['cat', 'dog'], centernet: { topK: 4, peakWindow: 3 },
  } as unknown as Model;
  const heat = tensor3({ h: 4, w: 4, c: 2 });
  const box = tensor3({ h: 4, w: 4, c: 4 });
  const put = (y: number, x: number, c: number, v: number, ltrb = [2, 2, 2, 2]) => {
    heat.data[(y * 4 + x) * 2 + c] = v;
    box.data.set(ltrb, (y * 4 + x) * 4);
  };
  put(1, 1, 0, 0.9, [1, 2, 3, 4]);
  put(1, 2, 0, 0.8); // beside a higher cell of its class: not a peak
  put(1, 2, 1, 0.5); // same cell, other class: a peak of its own
  put(3, 3, 0, 0.7);
  put(3, 1, 0, 0.65, [1, 10, 3, 0]); // box [3, 2, 7, 12]: IoU 0.6 with the 0.9 cat's [3, 2, 7, 8]
  put(0, 3, 1, 0.1); // below K
  const transform = { image: { w: 64, h: 32 }, net: { w: 16, h: 16 }, content: { x: 0, y: 0, w: 16, h: 16 } };

  it('keeps 3×3 peaks per class, the top K, boxes x·s − l … x·s + r in input pixels', () => {
    const peaks = centernetPeaks(model, heat, box);
    assert.deepEqual(peaks.map((p) => [p.classId, Math.round(p.score * 100) / 100]), [[0, 0.9], [0, 0.7], [0, 0.65], [1, 0.5]]);
    assert.deepEqual(peaks[0]!.box, [4 - 1, 4 - 2, 4 + 3, 4 + 4]);
  });

  it('thresholds, maps boxes to the frame and suppresses per class', () => {
    const p = decodeCenterNet(model, new Map([[0, heat], [1, box]]), transform, { threshold: 0.45, nms: 'per-class' });
    assert.ok(p.kind === 'detections');
    // Stretched 16×16 → 64×32: x ×4, y ×2. The 0.65 cat is suppressed; the dog is another class.
    assert.deepEqual(p.detections.map((d) => [d.label, d.box]), [['cat', [12, 4, 28, 16]], ['cat', [40, 20, 56, 28]], ['dog', [24, 4, 40, 12]]]);
  });

  it('agnostic NMS (the default) suppresses across classes', () => {
    // The 0.5 dog's box is the 0.9 cat's for this case: a second label on one object.
    const box2 = tensor3(box.shape, box.data.slice());
    box2.data.set([5, 2, 3, 4], (1 * 4 + 2) * 4); // dog at x=8: [3, 2, 11, 8] vs cat [3, 2, 7, 8], IoU 0.5
    const outs = new Map([[0, heat], [1, box2]]);
    const agnostic = decodeCenterNet(model, outs, transform, { threshold: 0.45 });
    assert.ok(agnostic.kind === 'detections');
    assert.deepEqual(agnostic.detections.map((d) => d.label), ['cat', 'cat']);
    const perClass = decodeCenterNet(model, outs, transform, { threshold: 0.45, nms: 'per-class' });
    assert.ok(perClass.kind === 'detections');
    assert.deepEqual(perClass.detections.map((d) => d.label), ['cat', 'cat', 'dog']);
  });
});
