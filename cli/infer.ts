/** `deeperthings infer`: one image through the whole model on this device. */
import { readFile } from 'node:fs/promises';
import type { Command } from './args.ts';
import { modelOptions, loadModelFromOpts } from './model-opts.ts';
import { engineFromOpts, engineOption } from './engine-opts.ts';
import { initBackend } from '../worker/engine/backend.ts';
import { inferImage } from '../worker/infer.ts';
import { modelStats } from '../shared/model/stats.ts';
import { SAMPLE_IMAGE } from '../shared/assets.ts';
import { nmsFromOpts, nmsOption } from './nms-opt.ts';

export const inferCommand: Command = {
  name: 'infer',
  summary: 'Run one image through the whole model on this device and print the predictions.',
  usage: 'infer --model <file.cfg|name> [--weights <file.weights>] [--image <jpg|png>] [--engine auto|ort|tfjs] [--threads N] [--json]',
  options: {
    ...modelOptions,
    ...engineOption,
    image: { type: 'string', help: 'JPEG or PNG to run (default: the bundled sample photo dog.jpg)' },
    json: { type: 'boolean', help: 'print one JSON object' },
    ...nmsOption,
  },
  async run(opts) {
    const nms = nmsFromOpts(opts);
    const { model, weights, weightsSource } = await loadModelFromOpts(opts);
    const { engine, label } = await engineFromOpts(opts);
    const backend = await initBackend();
    const image = await readFile(String(opts.image ?? SAMPLE_IMAGE));
    const r = await inferImage({ model, weights, image, engine, ...(nms ? { decode: { nms } } : {}) });
    const stats = modelStats(model);
    const pred = r.prediction;
    const predictions = pred.kind === 'detections' ? pred.detections : pred.top;
    const out = {
      model: model.name,
      engine: label,
      backend,
      weights: weightsSource,
      input: { shape: [model.input.h, model.input.w, model.input.c] },
      image: r.image,
      outputs: model.outputs.map((id) => ({ name: model.nodes[id]!.name, shape: [model.nodes[id]!.out.h, model.nodes[id]!.out.w, model.nodes[id]!.out.c] })),
      flops: stats.flops,
      params: stats.params,
      ms: Math.round(r.ms * 10) / 10,
      predictions,
    };
    if (opts.json) {
      process.stdout.write(JSON.stringify(out) + '\n');
      return 0;
    }
    process.stdout.write(`${out.model} on ${label} (${weightsSource} weights): ${(stats.flops / 1e9).toFixed(2)} GFLOP, ` +
      `${(stats.params / 1e6).toFixed(2)} M params, ${out.ms} ms\n`);
    for (const p of predictions.slice(0, 20)) {
      const box = 'box' in p ? `  box [${(p.box as number[]).map((v) => Math.round(v)).join(', ')}]` : '';
      process.stdout.write(`  ${p.label.padEnd(20)} ${p.score.toFixed(3)}${box}\n`);
    }
    if (predictions.length === 0) process.stdout.write('  (no predictions above the threshold)\n');
    return 0;
  },
};
