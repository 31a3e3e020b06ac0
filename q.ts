import { buildPlan } from './planner/plan/build.ts';
import { equalDevices } from './planner/devices.ts';
import { specFromPreset } from './planner/presets.ts';
import { initBackend } from './worker/engine/backend.ts';
import { runReference } from './worker/engine/executor.ts';
import { ortEngine } from './worker/engine/ort/engine.ts';
import { sampleInput, verifyPlan } from './worker/verify.ts';
import { darknetModel } from './test/support/models.ts';
await initBackend('wasm');
const engine = await ortEngine();
const { model, weights } = await darknetModel('yolov2', 160);
const input = sampleInput(model);
let t = performance.now();
const reference = await runReference(model, weights, input, { engine });
console.log('ref ms', performance.now() - t);
for (const tail of ['lop', 'lip', 'fused', 'seq'] as const) {
  t = performance.now();
  const spec = specFromPreset(model, { devices: equalDevices(3), ftpLayers: 12, grid: { rows: 2, cols: 2 }, tail });
  const r = await verifyPlan({ model, weights, plan: buildPlan(model, spec), input, reference, engine });
  console.log(tail, r.ok, r.maxRelDiff, performance.now() - t);
}
