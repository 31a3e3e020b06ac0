/**
 * Every partitioning equals the single-device run (DESIGN.md "Correctness rule"), for every shared
 * Darknet model, every tail type, N ∈ {1, 2, 3, 6} and grids {1×1, 2×2, 3×3, 5×5}. Inputs are
 * reduced where the full size adds nothing; the reference is computed once per model, on each engine.
 */
import { strict as assert } from 'node:assert';
import { buildPlan } from '../../planner/plan/build.ts';
import { equalDevices } from '../../planner/devices.ts';
import { specFromPreset } from '../../planner/presets.ts';
import type { TailPreset } from '../../planner/plan/spec.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { runReference } from '../../worker/engine/executor.ts';
import type { Engine } from '../../worker/engine/engine.ts';
import { tfjsEngine } from '../../worker/engine/tfjs-engine.ts';
import { ortEngine } from '../../worker/engine/ort/engine.ts';
import { sampleInput, verifyPlan } from '../../worker/verify.ts';
import { darknetModel } from '../support/models.ts';

/** [cfg, reduced input, FTP layers]: FTP stacks end where the paper put them, or at an early pool. */
const MODELS: [string, number, number][] = [
  ['yolov2', 160, 12], ['yolov2-voc', 128, 12], ['yolov2-tiny', 160, 10], ['vgg-16', 64, 7], ['alexnet', 131, 2],
  ['extraction', 96, 4], ['darknet', 96, 4], ['tiny', 96, 4], ['resnet50', 64, 6],
];
const TAILS: TailPreset[] = ['lop', 'lip', 'fused', 'seq'];
const DEVICES = [1, 2, 3, 6];
const GRIDS = [1, 2, 3, 5];

/** ORT compiles every task of every plan (an ONNX export + session each): one N per tail keeps the run time reasonable. */
const ORT_DEVICES: Record<TailPreset, number[]> = { lop: [2], lip: [3], fused: [6], seq: [3] };

for (const engineName of ['tfjs', 'ort'] as const) describe(`exactness on ${engineName}: partitioned == single device`, function () {
  this.timeout(600_000);
  let engine: Engine;
  before(async () => {
    await initBackend('wasm');
    engine = engineName === 'ort' ? await ortEngine() : tfjsEngine;
  });

  for (const [name, size, ftpLayers] of MODELS) {
    it(`${name} @${size}: every tail × N ∈ {${engineName === 'ort' ? '2,3,6' : DEVICES}} × grids`, async () => {
      const { model, weights } = await darknetModel(name, size);
      const input = sampleInput(model);
      const reference = await runReference(model, weights, input, { engine });
      const sink = model.nodes[ftpLayers - 1]!.out;
      let k = 0;
      for (const tail of TAILS) {
        for (const n of engineName === 'ort' ? ORT_DEVICES[tail] : DEVICES) {
          const g = Math.min(GRIDS[k++ % GRIDS.length]!, sink.h, sink.w);
          const spec = specFromPreset(model, { devices: equalDevices(n), ftpLayers, grid: { rows: g, cols: g }, tail });
          const r = await verifyPlan({ model, weights, plan: buildPlan(model, spec), input, reference, engine });
          assert.ok(r.ok, `${name} tail=${tail} N=${n} grid=${g}x${g}: max rel diff ${r.maxRelDiff}`);
          if (n > 1 && tail !== 'seq') assert.ok(r.bytesExchanged > 0, 'devices exchanged data');
        }
      }
    });
  }
});
