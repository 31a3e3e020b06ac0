/**
 * Fused plans (planner/plan/fuse-chains.ts) run exactly: a one-device plan (ingest → one task → head)
 * and an N=3 plan with fused chains give the single-device reference on tfjs and on ONNX Runtime.
 */
import { strict as assert } from 'node:assert';
import { buildPlan } from '../../planner/plan/build.ts';
import { equalDevices } from '../../planner/devices.ts';
import { specFromPreset } from '../../planner/presets.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { runReference } from '../../worker/engine/executor.ts';
import type { Engine } from '../../worker/engine/engine.ts';
import { tfjsEngine } from '../../worker/engine/tfjs-engine.ts';
import { ortEngine } from '../../worker/engine/ort/engine.ts';
import { sampleInput, verifyPlan } from '../../worker/verify.ts';
import { darknetModel } from '../support/models.ts';

const tasks = (p: ReturnType<typeof buildPlan>) => p.stages.flatMap((s) => s.tasks).length;

describe('fused plans run exactly (rel ≤ 1e-4)', function () {
  this.timeout(600_000);
  const engines: [string, () => Promise<Engine>][] = [['tfjs', async () => tfjsEngine], ['ort', () => ortEngine()]];
  before(() => initBackend('wasm'));

  for (const [label, make] of engines) {
    it(`${label}: yolov2 @96 on one device (3 tasks) and tiny @96 on 3 devices (seq tail, fused chains)`, async () => {
      const engine = await make();
      for (const [name, n, ftpLayers, tail] of [['yolov2', 1, 0, 'seq'], ['tiny', 3, 4, 'seq']] as const) {
        const { model, weights } = await darknetModel(name, 96);
        const spec = specFromPreset(model, { devices: equalDevices(n), ftpLayers, grid: { rows: 2, cols: 2 }, tail, dtype: 'float32' });
        const plan = buildPlan(model, spec);
        assert.ok(tasks(plan) < tasks(buildPlan(model, spec, { fuseChains: false })), `${name} N=${n}: some tasks fused`);
        if (n === 1) assert.equal(tasks(plan), 3);
        const input = sampleInput(model);
        const reference = await runReference(model, weights, input, { engine });
        const r = await verifyPlan({ model, weights, plan, input, reference, engine, tolerance: 1e-4 });
        assert.ok(r.ok && r.maxRelDiff <= 1e-4, `${label} ${name} N=${n}: max rel diff ${r.maxRelDiff}`);
      }
    });
  }
});
