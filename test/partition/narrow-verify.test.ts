/**
 * Plans on more devices than some layers have channels (issue 10: CenterNet's 2- and 4-channel
 * heads on 6 devices) run exactly: LOP over fewer devices on those layers (plan/build.ts
 * widthShares), a grouped conv split at whole groups, the mixed tail and the one-device plan of the
 * run-time objectives, all equal to the single-device run on the virtual cluster.
 */
import { strict as assert } from 'node:assert';
import { parseDarknet } from '../../shared/model/darknet.ts';
import { syntheticWeights } from '../../shared/model/synthetic.ts';
import type { PartitionKind } from '../../shared/plan/types.ts';
import { equalDevices } from '../../planner/devices.ts';
import { buildPlan } from '../../planner/plan/build.ts';
import { choosePlan } from '../../planner/choose/choose.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { verifyPlan } from '../../worker/verify.ts';
import { mixedTail } from '../../planner/choose/mixed-tail.ts';
import { DEFAULT_LATENCY } from '../../planner/cost.ts';
import { darknetModel } from '../support/models.ts';

const CFG = `[net]
height=32
width=32
channels=3

[convolutional]
filters=8
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
filters=4
size=3
stride=1
pad=1
batch_normalize=1
activation=leaky

[convolutional]
filters=4
groups=4
size=3
stride=1
pad=1
activation=relu

[convolutional]
filters=16
size=1
stride=1
pad=0
activation=leaky

[convolutional]
filters=2
size=1
stride=1
pad=0
activation=linear
`;

describe('plans with fewer channels than devices run exactly', function () {
  this.timeout(120_000);
  const model = parseDarknet(CFG, 'narrow.cfg');
  const weights = syntheticWeights(model);
  before(() => initBackend('wasm'));

  it('all-LOP on 6 devices: 4-, 4-group and 2-channel layers run on 4, 4 and 2 devices, the first two fused per device', async () => {
    const tail: Record<number, PartitionKind> = { 1: 'local', 2: 'lop', 3: 'lop', 4: 'lop', 5: 'lop' };
    const plan = buildPlan(model, { devices: equalDevices(6), ftp: { layers: 1, grid: { rows: 2, cols: 2 } }, tail });
    assert.deepEqual(['L2', 'L4', 'L5'].map((id) => plan.stages.find((s) => s.id === id)!.tasks.length), [4, 6, 2]);
    // Each 4-group slice of layer 3 reads only its device's channel of layer 2: one fused task per device (fuse-chains.ts).
    const l2 = plan.stages.find((s) => s.id === 'L2')!;
    assert.deepEqual([l2.layers, l2.tasks.map((t) => t.runs.map((r) => r.node))], [[2, 3], [[2, 3], [2, 3], [2, 3], [2, 3]]]);
    const r = await verifyPlan({ model, weights, plan });
    assert.ok(r.ok, `max rel diff ${r.maxRelDiff}`);
  });

  for (const objective of ['comm', 'latency', 'fps']) {
    for (const linkBps of [1e6, 1e10]) {
      it(`the planner's ${objective} plan on 6 devices at ${linkBps / 1e6} Mbit/s`, async () => {
        const c = await choosePlan(model, equalDevices(6).map((d) => ({ ...d, linkBps })), { objective });
        const r = await verifyPlan({ model, weights, plan: c.chosen.plan });
        assert.ok(r.ok, `${c.chosen.label}: max rel diff ${r.maxRelDiff}`);
        assert.equal(c.chosen.cost.bytesPerFrame, r.bytesExchanged);
      });
    }
  }

  it('a mixed tail (each layer split or whole on the data source) of yolov2-tiny runs exactly', async () => {
    const { model: m, weights: w } = await darknetModel('yolov2-tiny', 96);
    const devices = equalDevices(4).map((d, i) => ({ ...d, speed: i === 0 ? 1 : 20, linkBps: 1e9 }));
    const tail = mixedTail({ model: m, devices, latency: DEFAULT_LATENCY }, 4);
    const kinds = new Set(Object.values(tail));
    assert.ok(kinds.has('lop') && kinds.has('local'), JSON.stringify(tail));
    const r = await verifyPlan({ model: m, weights: w, plan: buildPlan(m, { devices, ftp: { layers: 4, grid: { rows: 2, cols: 2 } }, tail }) });
    assert.ok(r.ok, `max rel diff ${r.maxRelDiff}`);
  });
});
