/**
 * The planner's cost model (planner/cost*.ts) on plans built from the shipped cfgs: per-layer table,
 * exact message sizes, the paper's star count (PAPER §8), weight slices, latency invariants.
 * Agreement with the virtual cluster's measurements is in test/partition/planner-verify.test.ts.
 */
import assert from 'node:assert/strict';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { assetPath } from '../../shared/assets.ts';
import { modelStats, nodeParams } from '../../shared/model/stats.ts';
import { encodeTensorMessage } from '../../shared/wire/tensor-codec.ts';
import { selShape } from '../../shared/plan/sel.ts';
import type { PlanDevice } from '../../shared/plan/types.ts';
import { buildPlan } from '../../planner/plan/build.ts';
import { equalDevices } from '../../planner/devices.ts';
import { specFromPreset } from '../../planner/presets.ts';
import { tailPreset, type PartitionSpec } from '../../planner/plan/spec.ts';
import { DEFAULT_LATENCY, layerCosts, planCost } from '../../planner/cost.ts';
import { messageBytes, planTraffic } from '../../planner/cost-traffic.ts';
import { sliceElements } from '../../shared/plan/footprint.ts';
import { taskFlops } from '../../planner/cost-latency.ts';

const load = (name: string, size?: number) => loadDarknet(assetPath('darknet', `${name}.cfg`), size ? { inputSize: { h: size, w: size } } : {});
const F = { F1: 'fuse1', F2: 'fuse2', LOP: 'lop', LIP: 'lip', '-': 'local' } as const;
/** PAPER §7.2's YOLOv2 assignment from layer 12. */
const YOLO_TAIL = 'F1 F2 F1 F2 LOP - F1 F2 F1 F2 LOP F1 F2 - LIP - - F1 F2 -'.split(' ').map((t) => F[t as keyof typeof F]);

describe('planner/cost: per layer', () => {
  it('yolov2: FLOPs sum to the model total, weights are kernel + bias + BN, activations are H×W×C×4', async () => {
    const model = await load('yolov2');
    const table = layerCosts(model);
    assert.equal(table.reduce((a, l) => a + l.flops, 0), modelStats(model).flops);
    // Layer 0: 3×3×3×32 kernel + 32 × (bias, scale, mean, variance).
    assert.equal(table[0]!.weightBytes, 4 * (3 * 3 * 3 * 32 + 32 * 4));
    assert.equal(table[0]!.outputBytes, 4 * 608 * 608 * 32);
    assert.equal(table[0]!.inputBytes, 4 * 608 * 608 * 3);
    // Route 28 concatenates 19×19×256 (reorg) and 19×19×1024.
    assert.equal(table[28]!.inputBytes, 4 * 19 * 19 * (256 + 1024));
    assert.equal(table[17]!.weightBytes, 0);
  });
});

describe('planner/cost: traffic over the broker', () => {
  it('message sizes equal the tensor codec\'s encoded length, byte for byte', async () => {
    const model = await load('yolov2-tiny', 96);
    for (const dtype of ['float32', 'float16'] as const) {
      const plan = buildPlan(model, { ...specFromPreset(model, { devices: equalDevices(3), ftpLayers: 6, grid: { rows: 2, cols: 2 }, tail: 'fused' }), dtype });
      for (const p of plan.pieces) {
        const s = selShape(p.sel);
        const bytes = encodeTensorMessage({ frame: 0, plan: plan.planId, stage: p.stage, piece: p.id, region: p.sel.region, channels: p.sel.channels, shape: [s.h, s.w, s.c], partial: p.partial },
          new Float32Array(s.h * s.w * s.c), { dtype });
        assert.equal(messageBytes(p, plan.planId), bytes.length, `${dtype} ${p.id}`);
      }
    }
  });

  it('per-link bytes add up: Σ down = broker egress, Σ up = published bytes with a remote consumer', async () => {
    const model = await load('alexnet');
    const plan = buildPlan(model, specFromPreset(model, { devices: equalDevices(4), ftpLayers: 2, grid: { rows: 3, cols: 3 }, tail: 'fused' }));
    const t = planTraffic(plan);
    const links = Object.values(t.perLink);
    assert.equal(links.reduce((a, l) => a + l.down, 0), t.bytesPerFrame);
    assert.equal(links.reduce((a, l) => a + l.up, 0), t.uplinkBytes);
    // One device: nothing crosses the network.
    const one = buildPlan(model, specFromPreset(model, { devices: equalDevices(1), ftpLayers: 2, grid: { rows: 2, cols: 2 }, tail: 'lop' }));
    assert.equal(planTraffic(one).bytesPerFrame, 0);
  });

  it('star count of the authors\' YOLOv2 assignment = PAPER §8 (89.32 MB at N=6, 19.84 MB at N=2); broker bytes add the FTP stage', async () => {
    const model = await load('yolov2');
    for (const [n, mb] of [[6, 89.32], [2, 19.84]] as const) {
      const tail = Object.fromEntries(YOLO_TAIL.map((t, i) => [12 + i, t]));
      const plan = buildPlan(model, { devices: equalDevices(n), ftp: { layers: 12, grid: { rows: 5, cols: 5 } }, tail, dtype: 'float32' });
      const cost = planCost(model, plan);
      assert.ok(Math.abs(cost.star!.bytes / 1e6 - mb) < 0.005, `N=${n}: ${cost.star!.bytes / 1e6}`);
      assert.equal(cost.star!.convBytes, cost.star!.bytes, 'YOLOv2 has no dense layer');
      assert.ok(cost.bytesPerFrame > cost.star!.bytes, 'the broker count includes tiles and the FTP input');
    }
  });

  it('star count in the pieces\' own dtypes: float16 halves it; int8 maps with float16 partial sums land between a quarter and a half', async () => {
    const model = await load('yolov2');
    const tail = Object.fromEntries(YOLO_TAIL.map((t, i) => [12 + i, t]));
    const star = (dtype: 'float32' | 'float16' | 'int8') => planCost(model, buildPlan(model, { devices: equalDevices(6), ftp: { layers: 12, grid: { rows: 5, cols: 5 } }, tail, dtype })).star!.bytes;
    const f32 = star('float32'), f16 = star('float16'), i8 = star('int8');
    assert.ok(Math.abs(f16 / f32 - 0.5) < 1e-9, `float16: ${f16 / f32}`);
    assert.ok(i8 / f32 > 0.25 && i8 / f32 < 0.5, `int8 with float16 partial sums: ${i8 / f32}`);
  });

  it('VGG-16 conv part: the star count without the FC head is PAPER §8\'s all-LOP 70.58 MB at N=6', async () => {
    const model = await load('vgg-16');
    const plan = buildPlan(model, specFromPreset(model, { devices: equalDevices(6), ftpLayers: 7, grid: { rows: 5, cols: 5 }, tail: 'lop', dtype: 'float32' }));
    const cost = planCost(model, plan);
    assert.ok(Math.abs(cost.star!.convBytes / 1e6 - 70.58) < 0.005, `${cost.star!.convBytes / 1e6}`);
    assert.ok(cost.star!.bytes > cost.star!.convBytes, 'the FC layers are partitioned too (PAPER §3.4)');
  });
});

describe('planner/cost: memory', () => {
  it('LOP slices partition the parameters exactly; LIP slices partition the kernel and each keep the whole bias/BN', async () => {
    const model = await load('yolov2', 160);
    for (const l of [12, 30]) {
      const node = model.nodes[l]!;
      const ranges = [{ c0: 0, c1: 100 }, { c0: 100, c1: 300 }, { c0: 300, c1: node.out.c }];
      assert.equal(ranges.reduce((a, r) => a + sliceElements(model, node, { out: r }), 0), nodeParams(model, node));
      const inC = model.nodes[l - 1]!.out.c;
      const inRanges = [{ c0: 0, c1: 7 }, { c0: 7, c1: inC }];
      const perChannel = node.kind === 'conv2d' && node.batchNorm ? 4 : 1;
      const vectors = node.out.c * perChannel;
      assert.equal(inRanges.reduce((a, r) => a + sliceElements(model, node, { in: r }), 0), nodeParams(model, node) + vectors);
      assert.equal(sliceElements(model, node, { out: { c0: 0, c1: 10 }, finish: true }), 10 * perChannel);
    }
  });

  it('weights per device shrink with N in the tail and stay whole in the FTP stack (PAPER §5)', async () => {
    const model = await load('yolov2');
    const w = (n: number): number => planCost(model, buildPlan(model, specFromPreset(model, { devices: equalDevices(n), ftpLayers: 12, grid: { rows: 2, cols: 2 }, tail: 'lop' }))).memoryPerDevice.dev1!.weightBytes;
    const stack = layerCosts(model).slice(0, 12).reduce((a, l) => a + l.weightBytes, 0);
    const tail = layerCosts(model).slice(12).reduce((a, l) => a + l.weightBytes, 0);
    assert.ok(Math.abs(w(2) - (stack + tail / 2)) < 0.01 * tail, `${w(2)}`);
    assert.ok(Math.abs(w(4) - (stack + tail / 4)) < 0.01 * tail, `${w(4)}`);
  });
});

describe('planner/cost: latency', () => {
  const devices = (n: number, over: Partial<PlanDevice> = {}): PlanDevice[] => equalDevices(n).map((d) => ({ ...d, ...over }));

  it('one device: latency = FLOPs / speed, no traffic', async () => {
    const model = await load('alexnet');
    const plan = buildPlan(model, { devices: devices(1, { speed: 10 }), tail: tailPreset(model, 0, 'lop', 1) });
    const cost = planCost(model, plan);
    assert.equal(cost.bytesPerFrame, 0);
    assert.ok(Math.abs(cost.latencyMs - modelStats(model).flops / 10e6) < 1e-6 * cost.latencyMs);
  });

  it('all-LOP without FTP: the tasks\' FLOPs add up to the model\'s; FTP tiles add halo work', async () => {
    const model = await load('extraction');
    const lop = buildPlan(model, { devices: devices(3), tail: tailPreset(model, 0, 'lop', 3) });
    const flops = lop.stages.flatMap((s) => s.tasks).reduce((a, t) => a + taskFlops(model, t), 0);
    assert.ok(Math.abs(flops - modelStats(model).flops) < 1e-9 * flops);
    const ftp = buildPlan(model, specFromPreset(model, { devices: devices(3), ftpLayers: 4, grid: { rows: 3, cols: 3 }, tail: 'lop' }));
    const stack = ftp.stages.find((s) => s.kind === 'ftp')!.tasks.reduce((a, t) => a + taskFlops(model, t), 0);
    const exact = layerCosts(model).slice(0, 4).reduce((a, l) => a + l.flops, 0);
    assert.ok(stack > exact && stack < 1.5 * exact, `${stack} vs ${exact}`);
  });

  it('faster links, faster devices and less per-message overhead each lower the predicted latency', async () => {
    const model = await load('yolov2', 320);
    const spec = (d: PlanDevice[]): PartitionSpec => specFromPreset(model, { devices: d, ftpLayers: 12, grid: { rows: 3, cols: 3 }, tail: 'fused' });
    const base = planCost(model, buildPlan(model, spec(devices(4)))).latencyMs;
    assert.ok(planCost(model, buildPlan(model, spec(devices(4, { linkBps: 1e9 })))).latencyMs < base);
    assert.ok(planCost(model, buildPlan(model, spec(devices(4, { speed: 20 })))).latencyMs < base);
    assert.ok(planCost(model, buildPlan(model, spec(devices(4))), { ...DEFAULT_LATENCY, messageOverheadMs: 0 }).latencyMs < base);
    // Latency is at least the busiest device's compute and at most everything done one after the other.
    const cost = planCost(model, buildPlan(model, spec(devices(4))));
    const per = Object.values(cost.timeline.perDevice);
    assert.ok(cost.latencyMs >= Math.max(...per.map((p) => p.computeMs)));
    assert.ok(cost.latencyMs <= per.reduce((a, p) => a + p.computeMs + p.upMs + p.downMs, 0) + cost.messages * 0.5);
  });
});
