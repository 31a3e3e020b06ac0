/**
 * DAG partitioning of a real pretrained detector (CenterNet, MobileNetV3 + squeeze-excite, TF.js
 * graph): FTP through residual adds, concats and bilinear upsampling; the default plan stops FTP
 * before the first global Mean; grouped (depthwise) convs split by LOP on their own input channels;
 * every plan equals the single device, and the distributed runtime finds the dog photo's objects.
 */
import { strict as assert } from 'node:assert';
import type { Model, Weights } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { loadModel } from '../../shared/model/load.ts';
import { resolveBuiltinModel } from '../../shared/assets.ts';
import { importGraph } from '../../shared/model/tfjs-graph.ts';
import { parseGraph } from '../../shared/model/tfjs-graph-parse.ts';
import { decodeWeights } from '../../shared/model/tfjs-graph-weights.ts';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { buildPlan } from '../../planner/plan/build.ts';
import { equalDevices } from '../../planner/devices.ts';
import { defaultFtpLayers, specFromPreset } from '../../planner/presets.ts';
import { largestLegalFtpPrefix, type TailPreset } from '../../planner/plan/spec.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { runReference } from '../../worker/engine/executor.ts';
import { tfjsEngine } from '../../worker/engine/tfjs-engine.ts';
import { ortEngine } from '../../worker/engine/ort/engine.ts';
import { inferImage } from '../../worker/infer.ts';
import { sampleInput, verifyPlan } from '../../worker/verify.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, assertSameDetections, collect, startCluster } from '../support/runtime.ts';
import { A, GraphFixture } from '../support/tfjs-graph-fixture.ts';

const conv = (s: number, fused: string[]) => ({
  strides: A.ints([1, s, s, 1]), padding: A.s('SAME'), data_format: A.s('NHWC'), dilations: A.ints([1, 1, 1, 1]),
  fused_ops: A.strs(fused), num_args: A.i(1), epsilon: A.f(0),
});

/** Stem → inverted residual (depthwise, add) → two bilinear branches (TF default and align/half-pixel) → concat → conv. */
function upsamplingDag(): { model: Model; weights: Weights } {
  const g = new GraphFixture();
  const x = g.input('x', [1, 40, 40, 3]);
  const c0 = g.op('c0', '_FusedConv2D', [x, g.rand('w0', [3, 3, 3, 8], 1), g.rand('b0', [8], 2)], conv(2, ['BiasAdd', 'Relu6']));
  const dw = g.op('dw', 'FusedDepthwiseConv2dNative', [c0, g.rand('wd', [3, 3, 8, 1], 3), g.rand('bd', [8], 4)], conv(1, ['BiasAdd', 'Relu']));
  const res = g.op('res', 'AddV2', [g.op('pw', '_FusedConv2D', [dw, g.rand('wp', [1, 1, 8, 8], 5), g.rand('bp', [8], 6)], conv(1, ['BiasAdd'])), c0]);
  const down = g.op('down', '_FusedConv2D', [res, g.rand('wq', [3, 3, 8, 6], 7), g.rand('bq', [6], 8)], conv(2, ['BiasAdd', 'Relu']));
  const size = g.const('size', [2], [20, 20], 'int32');
  const up1 = g.op('up1', 'ResizeBilinear', [down, size], { align_corners: A.b(false), half_pixel_centers: A.b(false) });
  const up2 = g.op('up2', 'ResizeBilinear', [down, size], { align_corners: A.b(true), half_pixel_centers: A.b(false) });
  const up3 = g.op('up3', 'ResizeBilinear', [down, size], { align_corners: A.b(false), half_pixel_centers: A.b(true) });
  const cat = g.op('cat', 'ConcatV2', [res, up1, up2, up3, g.const('axis', [], [3], 'int32')], { N: A.i(4) });
  g.op('out', '_FusedConv2D', [cat, g.rand('wo', [3, 3, 26, 5], 9), g.rand('bo', [5], 10)], conv(1, ['BiasAdd']));
  g.output('out');
  const json = g.json();
  return importGraph(parseGraph(json, 'dag.json'), decodeWeights(json.weightsManifest, [g.weightBytes()], 'dag.json'), { name: 'dag', file: 'dag.json' }, json);
}

describe('partition: DAG through add, concat and bilinear upsampling', function () {
  this.timeout(60_000);
  before(() => initBackend('wasm'));

  for (const name of ['tfjs', 'ort'] as const) {
    it(`FTP over the whole DAG equals the single device for every grid, on ${name}`, async () => {
      const engine = name === 'ort' ? await ortEngine() : tfjsEngine;
      const { model, weights } = upsamplingDag();
      assert.equal(largestLegalFtpPrefix(model), model.nodes.length, 'every node of this DAG is tileable');
      const input = sampleInput(model);
      const reference = await runReference(model, weights, input);
      for (const [n, g] of [[1, 1], [2, 2], [3, 3], [4, 5], [6, 6]] as const) {
        const spec = specFromPreset(model, { devices: equalDevices(n), ftpLayers: model.nodes.length, grid: { rows: g, cols: g }, tail: 'fused', dtype: 'float32' });
        const r = await verifyPlan({ model, weights, plan: buildPlan(model, spec), input, reference, engine });
        assert.ok(r.ok, `N=${n} grid ${g}x${g}: max rel diff ${r.maxRelDiff}`);
      }
    });
  }
});

describe('partition: CenterNet (TF.js graph, 512×512)', function () {
  this.timeout(120_000);
  let model: Model, weights: Weights, input: Tensor3, reference: Map<number, Tensor3>;
  before(async () => {
    await initBackend('wasm');
    ({ model, weights } = await loadModel(resolveBuiltinModel('centernet')));
    input = sampleInput(model);
    reference = await runReference(model, weights, input);
  });

  it('defaults to the largest legal FTP prefix, ending before the first squeeze-excite Mean', async () => {
    const k = defaultFtpLayers(model);
    assert.equal(k, largestLegalFtpPrefix(model));
    assert.equal(model.nodes[k - 1]!.name, 'tower_0/MobilenetV3/expanded_conv_3/expand/Relu');
    assert.ok(model.nodes.slice(k).some((n) => n.kind === 'avgpool' && n.global));
    assert.equal(defaultFtpLayers((await darknetModel('yolov2', 160)).model), 12, 'Darknet defaults unchanged');
    assert.equal(defaultFtpLayers((await darknetModel('resnet50', 64)).model), 0, 'Darknet defaults unchanged');
  });

  it('N=4, grid 3x3, tail fused on ORT: equals the single device (tfjs reference)', async () => {
    const spec = specFromPreset(model, { devices: equalDevices(4), ftpLayers: defaultFtpLayers(model), grid: { rows: 3, cols: 3 }, tail: 'fused' });
    const r = await verifyPlan({ model, weights, plan: buildPlan(model, spec), input, reference, engine: await ortEngine() });
    assert.ok(r.ok, `max rel diff ${r.maxRelDiff}`);
  });

  const cases: [number, number, TailPreset][] = [[1, 1, 'fused'], [2, 2, 'fused'], [4, 3, 'fused'], [6, 5, 'fused'], [4, 4, 'lop'], [3, 2, 'seq']];
  for (const [n, g, tail] of cases) {
    it(`N=${n}, grid ${g}x${g}, tail ${tail}: equals the single device`, async () => {
      const spec = specFromPreset(model, { devices: equalDevices(n), ftpLayers: defaultFtpLayers(model), grid: { rows: g, cols: g }, tail, dtype: 'float32' });
      const plan = buildPlan(model, spec);
      const r = await verifyPlan({ model, weights, plan, input, reference });
      assert.ok(r.ok, `max rel diff ${r.maxRelDiff}`);
      if (n === 4 && tail === 'fused') {
        // Depthwise LOP: each slice receives only its own input channels.
        const dw = model.nodes.find((x) => x.kind === 'conv2d' && x.groups > 1 && plan.layers[x.id]!.partition === 'lop')!;
        const need = plan.stages.find((s) => s.id === `L${dw.id}`)!.tasks[0]!.needs[0]!;
        assert.equal(need.sel.channels.c1 - need.sel.channels.c0, dw.out.c / 4);
        const total = [...weights.values()].reduce((a, w) => a + (w.kernel?.byteLength ?? 0) + (w.bias?.byteLength ?? 0), 0);
        console.log(`      N=4 3x3: ${(r.bytesExchanged / 1e6).toFixed(1)} MB/frame in ${r.messages} messages; per device ` +
          r.memoryPerDevice.map((d) => `${d.device} w ${(d.weightBytes / 1e6).toFixed(2)} MB act ${(d.peakActivationBytes / 1e6).toFixed(1)} MB`).join(', '));
        assert.ok(r.memoryPerDevice.every((d) => d.weightBytes < total / 2), 'weights are sharded');
      }
    });
  }

  it('the distributed runtime (4 workers, in-memory bus) finds dog, bicycle and car/truck like one device', async () => {
    const cluster = await startCluster({ bus: new MemoryBus() }, { model, weights, source: 'centernet', workers: 4, ftpLayers: defaultFtpLayers(model), grid: 3 });
    try {
      const preds = await collect(cluster.client, cluster.topics.cameraPredictions('+'));
      await cluster.planned();
      await cluster.topics.publish(cluster.client, cluster.topics.cameraFrame('front'), DOG);
      const [p] = await preds.next(1);
      const single = await inferImage({ model, weights, image: DOG });
      assert.ok(single.prediction.kind === 'detections');
      assertSameDetections(p.detections, single.prediction.detections);
      const best = (label: string) => Math.max(0, ...p.detections.filter((d: { label: string }) => d.label === label).map((d: { score: number }) => d.score));
      assert.ok(best('dog') > 0.3 && best('bicycle') > 0.3 && Math.max(best('car'), best('truck')) > 0.3,
        `dog ${best('dog')}, bicycle ${best('bicycle')}, car ${best('car')}, truck ${best('truck')}`);
    } finally {
      await cluster.stop();
    }
  });
});
