/**
 * `npm run bench -- infer [--model <cfg|name>]... [--runs 5] [--input-size HxW]`: single-device
 * inference (median of ≥ 5 runs after a warm-up) and GFLOP/s, side by side in one run:
 * ORT running our per-task export (a one-device plan: one task per stage), ORT on the whole model
 * exported as one ONNX graph, and tfjs. Then the per-task overhead of a YOLOv2 N=6 frame.
 */
import { parseArgs } from 'node:util';
import { loadModel } from '../shared/model/load.ts';
import { modelStats } from '../shared/model/stats.ts';
import { resolveBuiltinModel } from '../shared/assets.ts';
import type { Model, Weights } from '../shared/model/ir.ts';
import { initBackend } from '../worker/engine/backend.ts';
import { compileReference } from '../worker/engine/executor.ts';
import type { Engine } from '../worker/engine/engine.ts';
import { tfjsEngine } from '../worker/engine/tfjs-engine.ts';
import { ortEngine } from '../worker/engine/ort/engine.ts';
import { sampleInput } from '../worker/verify.ts';
import { buildPlan } from '../planner/plan/build.ts';
import { equalDevices } from '../planner/devices.ts';
import { defaultFtpLayers, specFromPreset } from '../planner/presets.ts';
import { planFrames } from './plan-frames.ts';
import { emit, median, round } from './stats.ts';

const MODELS = ['yolov2', 'vgg-16', 'centernet'];

async function timed(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function oneGraph(engine: Engine, model: Model, weights: Weights, runs: number): Promise<number> {
  const input = sampleInput(model);
  const task = await compileReference(engine, model, weights);
  const ms = await timed(runs, () => task.run([input]));
  task.dispose();
  return ms;
}

async function perTask(engine: Engine, model: Model, weights: Weights, devices: number, runs: number, ftp = 0): Promise<{ ms: number; tasks: number }> {
  const plan = buildPlan(model, specFromPreset(model, { devices: equalDevices(devices), ftpLayers: ftp, tail: devices === 1 ? 'seq' : 'fused' }));
  const input = sampleInput(model);
  const pf = await planFrames(model, weights, plan, engine);
  const ms = await timed(runs, () => pf.frame(input));
  await pf.dispose();
  return { ms, tasks: pf.tasks };
}

export async function benchInfer(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string', multiple: true }, runs: { type: 'string', default: '5' }, 'input-size': { type: 'string' } } });
  const backend = await initBackend();
  const runs = Math.max(5, Number(values.runs));
  const size = values['input-size']?.split('x').map(Number);
  const ort = await ortEngine();
  const lines: string[] = [];
  for (const name of values.model ?? MODELS) {
    const { model, weights } = await loadModel(resolveBuiltinModel(name), size ? { inputSize: { h: size[0]!, w: size[1]! } } : {});
    const gflop = modelStats(model).flops / 1e9;
    const ours = await perTask(ort, model, weights, 1, runs);
    const one = await oneGraph(ort, model, weights, runs);
    const tfjs = await oneGraph(tfjsEngine, model, weights, runs);
    const rate = (ms: number) => round(gflop * 1e3 / ms, 1);
    emit({ bench: 'infer', model: model.name, input: [model.input.h, model.input.w], gflop: round(gflop, 2), runs, tasks: ours.tasks,
      ortPerTaskMs: round(ours.ms), ortOneGraphMs: round(one), [`tfjs-${backend}Ms`]: round(tfjs), ratio: round(one / ours.ms, 2) });
    lines.push(`${model.name}: ORT per-task ${round(ours.ms)} ms (${rate(ours.ms)} GFLOP/s, ${ours.tasks} tasks) | ORT one graph ${round(one)} ms (${rate(one)} GFLOP/s) | ` +
      `tfjs-${backend} ${round(tfjs)} ms (${rate(tfjs)} GFLOP/s) | ours/one-graph speed ${round(one / ours.ms, 2)}`);
  }
  lines.push(await overhead(runs));
  process.stdout.write(lines.map((l) => `# ${l}\n`).join(''));
}

/** Per-task overhead of a YOLOv2 N=6 frame: wall time outside session.run, over the time inside it. */
async function overhead(runs: number): Promise<string> {
  let inRun = 0;
  const ort = await ortEngine({ onRun: (ms) => { inRun += ms; } });
  const { model, weights } = await loadModel(resolveBuiltinModel('yolov2'));
  const plan = buildPlan(model, specFromPreset(model, { devices: equalDevices(6), ftpLayers: defaultFtpLayers(model), tail: 'fused' }));
  const pf = await planFrames(model, weights, plan, ort);
  const input = sampleInput(model);
  await pf.frame(input);
  const shares: number[] = [];
  for (let i = 0; i < runs; i++) {
    inRun = 0;
    const { ms } = await pf.frame(input);
    shares.push((ms - inRun) / inRun);
  }
  await pf.dispose();
  const share = median(shares);
  emit({ bench: 'infer-overhead', model: model.name, devices: 6, tasks: pf.tasks, overheadShare: round(share * 100, 2) });
  return `YOLOv2 N=6 (${pf.tasks} tasks, compiled once): per-task overhead ${round(share * 100, 2)} % of compute (target ≤ 5 %)`;
}
