/**
 * `deeperthings verify`: run a partitioned plan on N virtual devices and compare it with the
 * single-device reference (DESIGN.md "Correctness rule": max |diff| ≤ 1e-4 · max |ref|).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from './args.ts';
import { gridOpt, intOpt } from './args.ts';
import { UsageError } from '../shared/errors.ts';
import { modelOptions, loadModelFromOpts } from './model-opts.ts';
import { devicesFromOption } from '../planner/devices.ts';
import { type TailPreset } from '../planner/plan/spec.ts';
import { engineFromOpts, engineOption } from './engine-opts.ts';
import { verifyPlan } from '../worker/verify.ts';
import { specFromPreset, defaultFtpLayers } from '../planner/presets.ts';
import { buildPlan } from '../planner/plan/build.ts';
import type { PlanDoc } from '../shared/plan/types.ts';
import { wireOption, wireFromOpts } from './wire-opts.ts';

const TAILS = ['lop', 'lip', 'fused', 'seq'];

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Run a partitioned plan on N in-process devices and check it equals the single-device run.',
  usage: 'verify --model <cfg> --devices N [--grid RxC] [--ftp-layers K] [--tail lop|lip|fused|seq] [--wire float32|float16|int8] [--plan plan.json] [--engine auto|ort|tfjs] [--threads N] [--json]',
  options: {
    ...modelOptions,
    ...engineOption,
    devices: { type: 'string', help: 'number of equal devices, or a devices.yaml', default: '2' },
    grid: { type: 'string', help: 'FTP grid ROWSxCOLS over the last fused layer (default 3x3, clipped to the map)' },
    'ftp-layers': { type: 'string', help: 'layers 0..K-1 run as fused tiles (default: the paper\'s breakpoint for its models, else 0)' },
    tail: { type: 'string', help: 'tail partitioning: lop (unfused baseline) | lip | fused (FUSE1->FUSE2 where legal) | seq', default: 'fused' },
    plan: { type: 'string', help: 'a plan document (JSON, as `plan --json` prints) instead of the options above' },
    ...wireOption('float32'),
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  async run(opts) {
    const { model, weights } = await loadModelFromOpts(opts);
    const { engine } = await engineFromOpts(opts);
    let plan: PlanDoc;
    if (opts.plan) {
      const doc = JSON.parse(await readFile(String(opts.plan), 'utf8')) as PlanDoc & { plan?: PlanDoc };
      plan = doc.plan ?? doc;
    } else {
      const tail = String(opts.tail);
      if (!TAILS.includes(tail)) throw new UsageError(`--tail: expected one of ${TAILS.join(', ')}, got '${tail}'`);
      const dtype = wireFromOpts(opts);
      const ftpLayers = intOpt(opts, 'ftp-layers', 0, model.nodes.length) ?? defaultFtpLayers(model);
      const spec = specFromPreset(model, {
        devices: devicesFromOption(opts.devices as string), ftpLayers, grid: gridOpt(opts, 'grid'), tail: tail as TailPreset, dtype,
      });
      plan = buildPlan(model, spec);
    }
    const r = await verifyPlan({ model, weights, plan, engine });
    if (opts.json) process.stdout.write(JSON.stringify(r) + '\n');
    else {
      process.stdout.write(`${r.model}: ${r.devices} devices, grid ${r.grid ?? '-'}, FTP layers ${r.ftpLayers}: ${r.ok ? 'OK' : 'MISMATCH'} ` +
        `(max abs diff ${r.maxAbsDiff.toExponential(2)}, rel ${r.maxRelDiff.toExponential(2)}${r.wire === 'float32' ? '' : `; ${r.wire} wire: bound ${r.tolerance}, not the 1e-4 exactness rule`})\n` +
        `  exchanged ${(r.bytesExchanged / 1e6).toFixed(2)} MB in ${r.messages} messages\n`);
      for (const d of r.memoryPerDevice) process.stdout.write(`  ${d.device}: weights ${(d.weightBytes / 1e6).toFixed(2)} MB, peak activations ${(d.peakActivationBytes / 1e6).toFixed(2)} MB\n`);
    }
    return r.ok ? 0 : 1;
  },
};
