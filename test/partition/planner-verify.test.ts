/**
 * Every plan the planner emits passes verify (DESIGN.md "Correctness rule"), for several models,
 * objectives, device counts and heterogeneous devices at reduced input sizes. The same runs check the
 * cost model against what the virtual cluster measures: bytes through the broker, uplink bytes and
 * deliveries are equal to the byte (message headers are encoded exactly, frame 0), and so are each
 * device's weight bytes and peak activation bytes (shared/plan/footprint.ts replays the cluster's accounting:
 * held undelivered pieces + the running task's live values, in plan order).
 */
import { strict as assert } from 'node:assert';
import type { PlanDevice } from '../../shared/plan/types.ts';
import { equalDevices } from '../../planner/devices.ts';
import { choosePlan, type ChooseOptions } from '../../planner/choose/choose.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { verifyPlan } from '../../worker/verify.ts';
import { darknetModel } from '../support/models.ts';

const speeds = (xs: number[]): PlanDevice[] => equalDevices(xs.length).map((d, i) => ({ ...d, speed: xs[i]! }));

/** [cfg, reduced input, devices, options] */
const CASES: [string, number, PlanDevice[], ChooseOptions][] = [
  ['yolov2', 128, equalDevices(6), { ftpLayers: 12 }],
  ['yolov2', 128, equalDevices(2), { solver: 'highs' }],
  ['tiny', 96, equalDevices(1), {}],
  ['yolov2-tiny', 96, equalDevices(3), { objective: 'latency' }],
  ['alexnet', 131, equalDevices(4), { objective: 'memory' }],
  ['vgg-16', 64, equalDevices(6), {}],
  ['extraction', 96, speeds([3, 1, 1]), { objective: 'latency,comm' }],
  ['resnet50', 64, equalDevices(2), {}],
];

describe('planner → verify: every emitted plan equals the single-device run', function () {
  this.timeout(120_000);
  before(() => initBackend('wasm'));

  for (const [name, size, devices, opts] of CASES) {
    const what = `${name} @${size}, N=${devices.length}${devices.some((d) => d.speed !== devices[0]!.speed) ? ' (unequal speeds)' : ''}, objective ${opts.objective ?? 'comm'}`;
    it(what, async () => {
      const { model, weights } = await darknetModel(name, size);
      const choice = await choosePlan(model, devices, { ...opts, dtype: 'float32' });
      const { plan, cost } = choice.chosen;
      const r = await verifyPlan({ model, weights, plan });
      assert.ok(r.ok, `${what}: ${choice.chosen.label}: max rel diff ${r.maxRelDiff}`);
      assert.equal(cost.bytesPerFrame, r.bytesExchanged, 'broker egress');
      assert.equal(cost.uplinkBytes, r.uplinkBytes, 'publisher uplinks');
      assert.equal(cost.messages, r.messages, 'deliveries');
      for (const d of r.memoryPerDevice) {
        const m = cost.memoryPerDevice[d.device]!;
        assert.equal(m.weightBytes, d.weightBytes, `${d.device} weights`);
        assert.equal(m.peakActivationBytes, d.peakActivationBytes, `${d.device} peak activations`);
      }
      assert.deepEqual(plan.predicted?.bytesPerFrame, r.bytesExchanged);
    });
  }
});
