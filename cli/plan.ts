/**
 * `deeperthings plan`: the optimal plan for a model on a set of devices (PAPER §4–§6 and beyond):
 * a table, `--json` (the plan document plus solver figures; `verify --plan` reads it back),
 * `--compare` (chosen vs unfused vs one device) and `--explain` (why each choice).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from './args.ts';
import { gridOpt, intOpt } from './args.ts';
import { UsageError } from '../shared/errors.ts';
import { TAIL_PINS } from '../shared/config/types.ts';
import { loadModel } from '../shared/model/load.ts';
import { loadDarknet } from '../shared/model/darknet.ts';
import type { Model } from '../shared/model/ir.ts';
import { modelStats } from '../shared/model/stats.ts';
import { resolveBuiltinModel } from '../shared/assets.ts';
import { DEFAULT_MODEL, modelOptions, loadModelFromOpts } from './model-opts.ts';
import { devicesFromOption } from '../planner/devices.ts';
import { choosePlan } from '../planner/choose/choose.ts';
import { DEFAULT_LATENCY } from '../planner/cost.ts';
import { baselines } from '../planner/choose/baselines.ts';
import { compareReport, planJson, planReport } from '../planner/choose/report.ts';
import { explainChoice } from '../planner/explain.ts';
import { initBackend } from '../worker/engine/backend.ts';
import { compileReference, runReference } from '../worker/engine/executor.ts';
import { tfjsEngine } from '../worker/engine/tfjs-engine.ts';
import { sampleInput } from '../worker/verify.ts';
import { writePlanImages } from '../planner/ui/plan-image.ts';
import { DEFAULT_WIRE } from '../shared/plan/wire.ts';
import { wireOption, wireFromOpts } from './wire-opts.ts';

/** This machine's GFLOP/s for `speed: measure`: the second of two runs of a small Darknet model. */
async function measureGflops(): Promise<number> {
  await initBackend();
  const { model, weights } = await loadModel(resolveBuiltinModel('tiny'), { inputSize: { h: 128, w: 128 } });
  const input = sampleInput(model);
  const compiled = await compileReference(tfjsEngine, model, weights);
  await runReference(model, weights, input, { compiled });
  const t0 = performance.now();
  await runReference(model, weights, input, { compiled });
  compiled.dispose();
  return modelStats(model).flops / 1e6 / (performance.now() - t0);
}

/** Planning needs shapes only: a Darknet cfg is parsed without building weights (seconds for YOLOv2). */
async function planModel(opts: Record<string, unknown>): Promise<Model> {
  const spec = resolveBuiltinModel(String(opts.model ?? DEFAULT_MODEL));
  const size = gridOpt(opts, 'input-size');
  if (extname(spec).toLowerCase() !== '.cfg') return (await loadModelFromOpts(opts)).model;
  return loadDarknet(spec, size ? { inputSize: { h: size.rows, w: size.cols } } : {});
}

async function devicesOpt(v: string): Promise<ReturnType<typeof devicesFromOption>> {
  const measured = !/^\d+$/.test(v) && /\bmeasure\b/.test(readFileSync(v, 'utf8')) ? await measureGflops() : undefined;
  return devicesFromOption(v, measured);
}

function choice<T extends string>(opts: Record<string, unknown>, name: string, allowed: readonly T[]): T {
  const v = String(opts[name]);
  if (!allowed.includes(v as T)) throw new UsageError(`--${name}: expected one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'Choose the partitioning (FTP boundary, grid, LOP/LIP/FUSE per layer) for a model on devices.',
  usage: 'plan --model <cfg> --devices N|devices.yaml [--objective latency|fps|comm|memory[,..]] [--tail fused|lop|lip|seq|auto] [--ftp-layers K] [--grid RxC] [--json] [--explain] [--compare] [--svg plan.svg] [--png plan.png]',
  options: {
    ...modelOptions,
    devices: { type: 'string', help: 'N equal devices (1 GB, 5 GFLOP/s, 100 Mbit/s each), or a devices.yaml of {id, memory, speed, link}', default: '6' },
    objective: { type: 'string', help: 'latency (default) | fps (pipelined throughput) | comm | memory (the paper\'s), or a lexicographic list like latency,comm', default: 'latency' },
    tail: { type: 'string', help: 'pin the tail: fused (ILP-1) | lop (unfused, all-LOP) | lip | seq | auto', default: 'auto' },
    'ftp-layers': { type: 'string', help: 'fix the FTP stack to layers 0..K-1 (0: none); default: ILP-2\'s breakpoint (comm, memory) or searched (latency)' },
    grid: { type: 'string', help: 'fix the FTP grid ROWSxCOLS; default 5x5 (comm, memory) or searched 1..6 (latency)' },
    solver: { type: 'string', help: 'ILP solver: dp (exact chain DP) | highs (the MILP, cross-checked against the DP)', default: 'dp' },
    ...wireOption(DEFAULT_WIRE),
    'data-source': { type: 'string', help: 'device id that owns the frame (default: the first device)' },
    'message-ms': { type: 'string', help: 'per-message broker overhead in the latency model, ms', default: '0.5' },
    out: { type: 'string', help: 'also write the JSON plan document to this file (for verify --plan)' },
    json: { type: 'boolean', help: 'print the plan document with solver figures as JSON' },
    explain: { type: 'boolean', help: 'say why each boundary, grid and type was chosen' },
    compare: { type: 'boolean', help: 'print the chosen plan against unfused (all-LOP) and one device' },
    svg: { type: 'string', help: 'also draw the plan (layer strip, FTP grid, tail channels per device) to this SVG file' },
    png: { type: 'string', help: 'the same picture as PNG' },
  },
  async run(opts) {
    const model = await planModel(opts);
    const devices = await devicesOpt(String(opts.devices));
    const messageOverheadMs = Number(opts['message-ms']);
    if (!(messageOverheadMs >= 0)) throw new UsageError(`--message-ms: expected a number of ms >= 0, got '${String(opts['message-ms'])}'`);
    const latency = { ...DEFAULT_LATENCY, messageOverheadMs };
    const chosen = await choosePlan(model, devices, {
      objective: String(opts.objective),
      ftpLayers: intOpt(opts, 'ftp-layers', 0, model.nodes.length),
      grid: gridOpt(opts, 'grid'),
      tail: choice(opts, 'tail', TAIL_PINS),
      solver: choice(opts, 'solver', ['dp', 'highs'] as const),
      dtype: wireFromOpts(opts),
      dataSource: opts['data-source'] as string | undefined,
      latency,
      build: { source: String(opts.model), ...(opts.weights ? { weights: String(opts.weights) } : {}) },
    });
    const base = baselines(model, chosen, latency);
    const explain = opts.explain ? explainChoice(model, chosen) : undefined;
    const doc = planJson(chosen, base, explain);
    if (opts.out) writeFileSync(String(opts.out), JSON.stringify(doc, null, 2) + '\n');
    if (opts.svg || opts.png) await writePlanImages(chosen.chosen.plan, { svg: opts.svg as string | undefined, png: opts.png as string | undefined });
    if (opts.json) {
      process.stdout.write(JSON.stringify(opts.compare ? { ...doc, compare: compareReport(chosen, base) } : doc) + '\n');
      return 0;
    }
    const lines = [...planReport(chosen, base), ...(opts.compare ? ['', ...compareReport(chosen, base)] : []), ...(explain ? ['', ...explain] : [])];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
