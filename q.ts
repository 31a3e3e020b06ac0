import { loadModel } from './shared/model/load.ts';
import { resolveBuiltinModel } from './shared/assets.ts';
import { initBackend } from './worker/engine/backend.ts';
import { ortEngine } from './worker/engine/ort/engine.ts';
import { compileReference } from './worker/engine/executor.ts';
import { sampleInput } from './worker/verify.ts';
import { buildPlan } from './planner/plan/build.ts';
import { equalDevices } from './planner/devices.ts';
import { specFromPreset } from './planner/presets.ts';
import { planFrames } from './bench/plan-frames.ts';
await initBackend('wasm');
let inRun = 0;
const ort = await ortEngine({ onRun: (ms) => { inRun += ms; } });
const { model, weights } = await loadModel(resolveBuiltinModel('yolov2'), { inputSize: { h: 320, w: 320 } });
const input = sampleInput(model);
const plan = buildPlan(model, specFromPreset(model, { devices: equalDevices(1), ftpLayers: 0, tail: 'seq' }));
const pf = await planFrames(model, weights, plan, ort);
const one = await compileReference(ort, model, weights);
for (let i = 0; i < 3; i++) {
  inRun = 0; let t = performance.now(); await pf.frame(input); const a = performance.now() - t; const ra = inRun;
  inRun = 0; t = performance.now(); await one.run([input]); const b = performance.now() - t;
  console.log('per-task', a.toFixed(0), 'inRun', ra.toFixed(0), 'one', b.toFixed(0), 'inRun', inRun.toFixed(0));
}
