/**
 * verify's in-process cluster runs the MQTT worker's PlanRuntime over the in-memory bus
 * (worker/virtual-cluster.ts): a plan whose piece is never produced is reported with the missing
 * piece and its worker instead of hanging, and runs on 1 and N devices give the same outputs.
 */
import { strict as assert } from 'node:assert';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { buildPlan } from '../../planner/plan/build.ts';
import { equalDevices } from '../../planner/devices.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { runPlanInProcess } from '../../worker/virtual-cluster.ts';
import { compareOutputs, sampleInput } from '../../worker/verify.ts';
import { darknetModel } from '../support/models.ts';

describe('in-process cluster on the plan runtime', function () {
  this.timeout(120_000);
  before(() => initBackend('wasm'));

  it('a piece nobody publishes: the run fails naming it and its worker', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 96);
    const plan = buildPlan(model, { devices: equalDevices(2), ftp: { layers: 4, grid: { rows: 2, cols: 1 } }, tail: {}, dtype: 'float32' });
    // The lower FTP tile's output is never sent: its consumer waits for it.
    const ftp = plan.stages.find((s) => s.kind === 'ftp')!;
    const lost = ftp.tasks[1]!.outputs[0]!;
    const broken: PlanDoc = { ...plan, stages: plan.stages.map((s) => s !== ftp ? s : { ...s, tasks: s.tasks.map((t, i) => i === 1 ? { ...t, outputs: t.outputs.slice(1) } : t) }) };
    const worker = plan.pieces.find((p) => p.id === lost)!.worker;
    await assert.rejects(runPlanInProcess({ model, weights, plan: broken, input: sampleInput(model) }),
      (e: Error) => e.message.includes(`${lost} (from ${worker})`) && /deadline/.test(e.message));
  });

  it('one device and three devices give the same outputs; only the three exchange bytes', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 96);
    const input = sampleInput(model);
    const one = await runPlanInProcess({ model, weights, input, plan: buildPlan(model, { devices: equalDevices(1), tail: {}, dtype: 'float32' }) });
    const three = await runPlanInProcess({ model, weights, input, plan: buildPlan(model, { devices: equalDevices(3), ftp: { layers: 6, grid: { rows: 3, cols: 1 } }, tail: {}, dtype: 'float32' }) });
    assert.ok(compareOutputs(one.outputs, three.outputs).maxRelDiff <= 1e-4);
    assert.equal(one.bytesExchanged, 0);
    assert.ok(three.bytesExchanged > 0 && three.messages > 0);
    assert.equal(three.devices.reduce((a, d) => a + d.receivedBytes, 0), three.bytesExchanged);
  });
});
