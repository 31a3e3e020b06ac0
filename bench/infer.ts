/**
 * `npm run bench -- infer [--model <cfg|name>]... [--runs 5] [--input-size HxW]`: single-device
 * inference time (median of ≥ 5 runs after a warm-up) and GFLOP/s. Default: the paper's models.
 */
import { parseArgs } from 'node:util';
import { loadModel } from '../shared/model/load.ts';
import { modelStats } from '../shared/model/stats.ts';
import { resolveBuiltinModel } from '../shared/assets.ts';
import { initBackend } from '../worker/engine/backend.ts';
import { runReference } from '../worker/engine/executor.ts';
import { sampleInput } from '../worker/verify.ts';
import { emit, median, round } from './stats.ts';

const PAPER_MODELS = ['yolov2', 'vgg-16', 'alexnet', 'extraction'];

export async function benchInfer(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string', multiple: true }, runs: { type: 'string', default: '5' }, 'input-size': { type: 'string' } } });
  const backend = await initBackend();
  const runs = Math.max(5, Number(values.runs));
  const size = values['input-size']?.split('x').map(Number);
  const rows: { model: string; ms: number }[] = [];
  for (const name of values.model ?? PAPER_MODELS) {
    const { model, weights } = await loadModel(resolveBuiltinModel(name), size ? { inputSize: { h: size[0]!, w: size[1]! } } : {});
    const input = sampleInput(model);
    const cache = new Map<string, unknown>();
    await runReference(model, weights, input, { cache });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await runReference(model, weights, input, { cache });
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    const flops = modelStats(model).flops;
    emit({ bench: 'infer', model: model.name, input: [model.input.h, model.input.w], backend, runs, ms: round(ms), gflops: round(flops / 1e9, 2), gflopsPerS: round(flops / 1e6 / ms, 2) });
    rows.push({ model: model.name, ms });
  }
  process.stdout.write(`# single-device ${backend}: ${rows.map((r) => `${r.model} ${round(r.ms)} ms`).join(', ')}\n`);
}
