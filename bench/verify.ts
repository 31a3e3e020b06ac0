/**
 * `npm run bench -- verify [--model yolov2] [--devices 6] [--grid 5x5] [--ftp-layers 12] [--tails lop,fused]
 * [--input-size HxW]`: run the partitioned plans on in-process devices and report what they moved and
 * held per frame, next to the paper's model figures (PAPER §8) for the weight-partitioned tail.
 */
import { parseArgs } from 'node:util';
import { loadModel } from '../shared/model/load.ts';
import { resolveBuiltinModel } from '../shared/assets.ts';
import { initBackend } from '../worker/engine/backend.ts';
import { runReference } from '../worker/engine/executor.ts';
import { sampleInput, verifyPlan } from '../worker/verify.ts';
import { buildPlan } from '../planner/plan/build.ts';
import { equalDevices } from '../planner/devices.ts';
import { defaultFtpLayers, specFromPreset } from '../planner/presets.ts';
import type { TailPreset } from '../planner/plan/spec.ts';
import { emit, round } from './stats.ts';

export async function benchVerify(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: {
    model: { type: 'string', default: 'yolov2' }, devices: { type: 'string', default: '6' }, grid: { type: 'string', default: '5x5' },
    'ftp-layers': { type: 'string' }, tails: { type: 'string', default: 'lop,fused' }, 'input-size': { type: 'string' },
  } });
  await initBackend();
  const size = values['input-size']?.split('x').map(Number);
  const { model, weights } = await loadModel(resolveBuiltinModel(values.model!), size ? { inputSize: { h: size[0]!, w: size[1]! } } : {});
  const [rows, cols] = values.grid!.split('x').map(Number) as [number, number];
  const ftpLayers = values['ftp-layers'] !== undefined ? Number(values['ftp-layers']) : defaultFtpLayers(model);
  const input = sampleInput(model);
  const reference = await runReference(model, weights, input);
  const results: Record<string, number> = {};
  for (const tail of values.tails!.split(',') as TailPreset[]) {
    const plan = buildPlan(model, specFromPreset(model, { devices: equalDevices(Number(values.devices)), ftpLayers, grid: { rows, cols }, tail, dtype: 'float32' }));
    const t0 = performance.now();
    const r = await verifyPlan({ model, weights, plan, input, reference });
    const ms = performance.now() - t0;
    const tailStages = plan.stages.filter((s) => s.layers[0] >= ftpLayers).length;
    results[tail] = r.bytesExchanged;
    results[`${tail}Tail`] = r.tailBytesExchanged;
    emit({
      bench: 'verify', model: model.name, input: [model.input.h, model.input.w], tail, devices: r.devices, grid: r.grid, ftpLayers, ok: r.ok,
      maxRelDiff: r.maxRelDiff, bytesExchanged: r.bytesExchanged, mbExchanged: round(r.bytesExchanged / 1e6, 2), tailMbExchanged: round(r.tailBytesExchanged / 1e6, 2), uplinkBytes: r.uplinkBytes, messages: r.messages,
      tailStages, maxWeightMB: round(Math.max(...r.memoryPerDevice.map((d) => d.weightBytes)) / 1e6, 2),
      maxPeakActivationMB: round(Math.max(...r.memoryPerDevice.map((d) => d.peakActivationBytes)) / 1e6, 2), ms: round(ms),
    });
  }
  if (results.lop && results.fused) {
    process.stdout.write(`# ${model.name}: fused moves ${round(100 * (1 - results.fused / results.lop))}% fewer bytes per frame than all-LOP ` +
      `(whole frame); the weight-partitioned tail alone ${round(100 * (1 - results.fusedTail! / results.lopTail!))}% fewer (PAPER §8 model: 30.4% for YOLOv2 at N=6)\n`);
  }
}
