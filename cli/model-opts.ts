/** Options shared by commands that load a model. */
import type { OptionSpec } from './args.ts';
import { gridOpt } from './args.ts';
import { loadModel } from '../shared/model/load.ts';
import { resolveBuiltinModel } from '../shared/assets.ts';
import { progressBar } from './progress.ts';

export const DEFAULT_MODEL = 'centernet';

export const modelOptions: Record<string, OptionSpec> = {
  model: { type: 'string', help: 'built-in name (centernet: a real COCO detector; yolov2, yolov2-tiny, vgg-16, alexnet, extraction, resnet50, …), a Darknet .cfg or a TF.js model.json', default: DEFAULT_MODEL },
  weights: { type: 'string', help: 'Darknet .weights file (without it: deterministic synthetic weights)' },
  'input-size': { type: 'string', help: 'override the network input as HxW, e.g. 320x320 (Darknet cfgs allow any multiple of the stride)' },
};

export async function loadModelFromOpts(opts: Record<string, unknown>) {
  const size = gridOpt(opts, 'input-size');
  const spec = resolveBuiltinModel(String(opts.model ?? DEFAULT_MODEL));
  const bar = progressBar(`loading ${String(opts.model ?? DEFAULT_MODEL)}`);
  const loaded = await loadModel(spec, {
    onProgress: bar.update,
    weights: opts.weights as string | undefined,
    inputSize: size ? { h: size.rows, w: size.cols } : undefined,
  });
  bar.done(`${loaded.weightsSource} weights`);
  return loaded;
}
