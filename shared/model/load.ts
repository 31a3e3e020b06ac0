/**
 * One entry point from a model spec (a file path) to the IR plus weights. The importer is chosen
 * by file extension; a new format adds one case to `importerFor`.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ModelFormatError } from '../errors.ts';
import { logger } from '../log.ts';
import type { Model, Weights } from './ir.ts';
import { loadDarknet } from './darknet.ts';
import { readDarknetWeights } from './darknet-weights.ts';
import { syntheticWeights } from './synthetic.ts';
import { loadTfjsGraph } from './tfjs-graph.ts';

const log = logger('model');

export interface LoadOptions {
  /** Weights file (Darknet .weights for a .cfg); without it, seeded synthetic weights. */
  readonly weights?: string | undefined;
  /** Override the input height/width (Darknet [net]); maps and dense sizes follow. */
  readonly inputSize?: { readonly h: number; readonly w: number } | undefined;
  /** Seed for synthetic weights (default: derived from the model's name and structure). */
  readonly seed?: number | undefined;
  /** Progress of building weights, layer by layer (the CLI draws a bar). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface LoadedModel {
  readonly model: Model;
  readonly weights: Weights;
  readonly weightsSource: 'file' | 'synthetic';
}

interface Importer {
  model(spec: string, opts: LoadOptions): Promise<Model>;
  weights(model: Model, path: string): Promise<Weights>;
  /** Formats whose file carries its own weights (TF.js model.json + shards) load both at once. */
  bundled?(spec: string, opts: LoadOptions): Promise<{ model: Model; weights: Weights }>;
}

const darknet: Importer = {
  model: (spec, opts) => loadDarknet(spec, opts.inputSize ? { inputSize: opts.inputSize } : {}),
  weights: async (model, path) => readDarknetWeights(model, await readBytes(path), path),
};

/** TF.js GraphModel: model.json names its weight shards, so there is no separate weights file. */
const tfjsGraph: Importer = {
  model: async (spec, opts) => (await tfjsGraph.bundled!(spec, opts)).model,
  weights: async (_model, path) => {
    throw new ModelFormatError('model', path, undefined, 'a TF.js graph model reads its weights from the shards its model.json lists; drop --weights');
  },
  bundled: async (spec, opts) => {
    const loaded = await loadTfjsGraph(spec);
    const want = opts.inputSize, has = loaded.model.input;
    // A plan repeats the model's input size; only a different one is a request we cannot honour.
    if (want && (want.h !== has.h || want.w !== has.w)) {
      throw new ModelFormatError('model', spec, undefined, `a TF.js graph model has a fixed input ${has.h}x${has.w}; cannot run it at ${want.h}x${want.w}`);
    }
    return loaded;
  },
};

/** The importer for a spec's file extension. */
function importerFor(spec: string): Importer {
  const ext = extname(spec).toLowerCase();
  switch (ext) {
    case '.cfg':
      return darknet;
    case '.json':
      return tfjsGraph;
    default:
      throw new ModelFormatError('model', spec, undefined,
        `unsupported model file extension '${ext || '(none)'}' (supported: .cfg, .json)`);
  }
}

export async function loadModel(spec: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const importer = importerFor(spec);
  if (importer.bundled && opts.weights === undefined) {
    const { model, weights } = await importer.bundled(spec, opts);
    log.debug(`${model.name}: ${model.nodes.length} layers, weights from ${spec}'s shards`);
    return { model, weights, weightsSource: 'file' };
  }
  const model = await importer.model(spec, opts);
  if (opts.weights !== undefined) {
    const weights = await importer.weights(model, opts.weights);
    log.debug(`${model.name}: ${model.nodes.length} layers, weights from ${opts.weights}`);
    return { model, weights, weightsSource: 'file' };
  }
  const weights = syntheticWeights(model, opts.seed, opts.onProgress);
  log.debug(`${model.name}: ${model.nodes.length} layers, synthetic weights (no weights file given)`);
  return { model, weights, weightsSource: 'synthetic' };
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new ModelFormatError('model', path, undefined, `cannot read weights: ${(e as Error).message}`);
  }
}
