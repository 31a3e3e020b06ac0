/**
 * `npm run bench -- infer [--model <cfg|name>]... [--runs 5] [--input-size HxW] [--threads N] [--overhead]`:
 * single-device inference (median of ≥ 5 runs after a warm-up) and GFLOP/s, side by side in one run:
 * ORT through our plan on one device (chain-fused: ingest → one task → head), the same plan unfused
 * (one task per layer), ORT on the whole model exported as one ONNX graph, and tfjs. Then the
 * per-task overhead of a YOLOv2 N=6 frame, split by phase (`--overhead`: only that).
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
import { engineThreads } from '../worker/engine/select.ts';
import { sampleInput } from '../worker/verify.ts';
import { buildPlan } from '../planner/plan/build.ts';
import { equalDevices } from '../planner/devices.ts';
import { specFromPreset } from '../planner/presets.ts';
import { planFrames } from './plan-frames.ts';
import { overheadLine } from './task-overhead.ts';
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

/** A one-device plan through the task path (compiled once, pieces handed over in memory). */
async function onePlan(engine: Engine, model: Model, weights: Weights, runs: number, fuseChains: boolean): Promise<{ ms: number; tasks: number }> {
  const plan = buildPlan(model, specFromPreset(model, { devices: equalDevices(1), ftpLayers: 0, tail: 'seq' }), { fuseChains });
  const input = sampleInput(model);
  const pf = await planFrames(model, weights, plan, engine);
  const ms = await timed(runs, () => pf.frame(input));
  await pf.dispose();
  return { ms, tasks: pf.tasks };
}

async function compare(name: string, o: { runs: number; size?: number[]; threads: number; backend: string }): Promise<string> {
  const { model, weights } = await loadModel(resolveBuiltinModel(name), o.size ? { inputSize: { h: o.size[0]!, w: o.size[1]! } } : {});
  const ort = await ortEngine({ threads: o.threads });
  const gflop = modelStats(model).flops / 1e9;
  const fused = await onePlan(ort, model, weights, o.runs, true);
  const unfused = await onePlan(ort, model, weights, o.runs, false);
  const one = await oneGraph(ort, model, weights, o.runs);
  const tfjs = await oneGraph(tfjsEngine, model, weights, o.runs);
  const rate = (ms: number) => round(gflop * 1e3 / ms, 1);
  emit({ bench: 'infer', model: model.name, input: [model.input.h, model.input.w], gflop: round(gflop, 2), runs: o.runs, threads: o.threads, tasks: fused.tasks, unfusedTasks: unfused.tasks,
    ortPlanMs: round(fused.ms), ortUnfusedPlanMs: round(unfused.ms), ortOneGraphMs: round(one), [`tfjs-${o.backend}Ms`]: round(tfjs),
    ortPlanGflops: rate(fused.ms), ortOneGraphGflops: rate(one), ratio: round(one / fused.ms, 2), unfusedRatio: round(one / unfused.ms, 2) });
  return `${model.name}: ORT plan ${round(fused.ms)} ms (${rate(fused.ms)} GFLOP/s, ${fused.tasks} tasks) | unfused ${round(unfused.ms)} ms (${rate(unfused.ms)} GFLOP/s, ${unfused.tasks} tasks) | ` +
    `ORT one graph ${round(one)} ms (${rate(one)} GFLOP/s) | tfjs-${o.backend} ${round(tfjs)} ms (${rate(tfjs)} GFLOP/s) | plan/one-graph speed ${round(one / fused.ms, 2)} (unfused ${round(one / unfused.ms, 2)})`;
}

export async function benchInfer(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string', multiple: true }, runs: { type: 'string', default: '5' }, 'input-size': { type: 'string' }, threads: { type: 'string' }, overhead: { type: 'boolean' } } });
  const backend = await initBackend();
  const runs = Math.max(5, Number(values.runs));
  const size = values['input-size']?.split('x').map(Number);
  const { threads, why } = engineThreads(values.threads === undefined ? undefined : Number(values.threads));
  const lines: string[] = [`ORT intra-op threads ${threads} (${why}); the machine is shared: compare ratios, not times`];
  if (!values.overhead) for (const name of values.model ?? MODELS) lines.push(await compare(name, { runs, ...(size ? { size } : {}), threads, backend }));
  lines.push(await overheadLine(runs, threads));
  process.stdout.write(lines.map((l) => `# ${l}\n`).join(''));
}
