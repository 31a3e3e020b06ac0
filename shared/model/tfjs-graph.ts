/**
 * TF.js GraphModel importer (DESIGN.md shared/model/): model.json + weight shards → IR + weights.
 * The graph is walked once in topological order; every op becomes an IR node, folds into one, or is
 * reported: all unsupported ops are collected and named, with counts, in one error. A box-decoding
 * tail (CenterNet's TopKV2 …) is left to the head task (tfjs-graph-head.ts).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ModelFormatError } from '../errors.ts';
import { INPUT, type Model, type Preprocess, type Shape3, type Weights } from './ir.ts';
import { labelsFor } from './labels.ts';
import { GraphBuilder, UNSUPPORTED, UnsupportedOp, type Value } from './tfjs-graph-build.ts';
import { materialize } from './tfjs-graph-fold.ts';
import { ancestors, chooseHead, splitOutputs } from './tfjs-graph-head.ts';
import { evalNode } from './tfjs-graph-ops.ts';
import { parseGraph, producer, shapeDims, type ModelJson, type TfGraph } from './tfjs-graph-parse.ts';
import { decodeWeights, readShards, type ConstTensor } from './tfjs-graph-weights.ts';

export interface ImportMeta {
  readonly name: string;
  readonly file: string;
}

/** CenterNet (MB3-CenterNet as @vladmandic/human runs it): RGB 0..255, stretched to the input. */
const PIXELS: Preprocess = { resize: 'stretch', scale: 1 };
/** Other graphs: no convention is recorded in model.json; 0..1 is the common TF.js one. */
const UNIT: Preprocess = { resize: 'stretch', scale: 1 / 255 };

/** Load model.json and its shards (quantized weights dequantized). */
export async function loadTfjsGraph(path: string): Promise<{ model: Model; weights: Weights }> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as ModelJson;
  } catch (e) {
    throw new ModelFormatError('tfjs-graph', path, undefined, `cannot read model.json: ${(e as Error).message}`);
  }
  const graph = parseGraph(json, path);
  const consts = decodeWeights(json.weightsManifest ?? [], await readShards(path, json.weightsManifest ?? []), path);
  const file = basename(path);
  const name = file === 'model.json' ? basename(dirname(path)) : file.replace(/\.json$/i, '');
  return importGraph(graph, consts, { name, file: path }, json);
}

function inputShape(graph: TfGraph, needed: ReadonlySet<string>, json: ModelJson | undefined, fail: Fail): [string, Shape3] {
  const inputs = [...needed].map((n) => graph.nodes.get(n)!).filter((n) => n.op === 'Placeholder');
  if (inputs.length !== 1) fail(`expected one input (Placeholder), found ${inputs.length}: ${inputs.map((n) => n.name).join(', ')}`);
  const p = inputs[0]!;
  const sig = Object.values(json?.signature?.inputs ?? {}).find((i) => producer(i.name) === p.name);
  const dims = shapeDims(p.attr.shape?.shape) ?? shapeDims(sig?.tensorShape);
  if (!dims || dims.length !== 4 || dims.slice(1).some((d) => !(d > 0)) || dims[0]! > 1) {
    fail(`input ${p.name} must be [1, H, W, C] with known H, W, C; got [${dims ?? '?'}]`);
  }
  return [p.name, { h: dims![1]!, w: dims![2]!, c: dims![3]! }];
}

type Fail = (detail: string) => never;

/** Walk the needed nodes; every unsupported op is counted, and all are named in one error. */
function buildNodes(b: GraphBuilder, needed: ReadonlySet<string>, consts: ReadonlyMap<string, ConstTensor>, input: string, fail: Fail): Map<string, Value> {
  const values = new Map<string, Value>();
  const unsupported = new Map<string, number>();
  for (const n of b.graph.order) {
    if (!needed.has(n.name)) continue;
    if (n.name === input) { values.set(n.name, { kind: 'map', id: INPUT }); continue; }
    if (n.op === 'Const') {
      const t = consts.get(n.name) ?? fail(`constant ${n.name} is not in the weights manifest`);
      values.set(n.name, { kind: 'const', t });
      continue;
    }
    try {
      const ins = n.inputs.map((t) => {
        if (t !== producer(t) && !t.endsWith(':0')) throw new UnsupportedOp(`${b.graph.nodes.get(producer(t))!.op} (output ${t})`);
        return values.get(producer(t))!;
      });
      values.set(n.name, evalNode(b, n, ins));
    } catch (e) {
      if (!(e instanceof UnsupportedOp)) throw e;
      unsupported.set(e.op, (unsupported.get(e.op) ?? 0) + 1);
      values.set(n.name, UNSUPPORTED);
    }
  }
  if (unsupported.size > 0) fail(`unsupported ops: ${[...unsupported].map(([op, k]) => `${op} ×${k}`).join(', ')}`);
  return values;
}

/** Graph + constants → IR. Pure (no I/O), so tests can feed hand-made graphs. */
export function importGraph(graph: TfGraph, consts: ReadonlyMap<string, ConstTensor>, meta: ImportMeta, json?: ModelJson): { model: Model; weights: Weights } {
  const fail: Fail = (d) => { throw new ModelFormatError('tfjs-graph', meta.file, undefined, d); };
  const split = splitOutputs(graph);
  if (split.maps.length === 0) fail(`no feature-map outputs among [${graph.outputs.join(', ')}]`);
  const needed = ancestors(graph, split.maps.map(producer));
  const [inputName, input] = inputShape(graph, needed, json, fail);
  const b = new GraphBuilder(graph, input, new Set(split.maps.map(producer)));
  let outputs: number[] = [];
  try {
    const values = buildNodes(b, needed, consts, inputName, fail);
    outputs = split.maps.map((t) => materialize(b, values.get(producer(t))!, 'output'));
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    fail(e instanceof UnsupportedOp ? `unsupported ops: ${e.op} ×1` : (e as Error).message.replace(/^tfjs-graph: /, ''));
  }
  const choice = chooseHead(graph, split, outputs.map((id) => b.nodes[id]!.out), consts);
  const classes = b.nodes[outputs[choice.order[0]!]!]!.out.c;
  const labels = choice.head === 'centernet' || choice.head === 'classifier' ? labelsFor(classes) : undefined;
  const model: Model = {
    name: meta.name, format: 'tfjs-graph', input, nodes: b.nodes, outputs: choice.order.map((k) => outputs[k]!),
    preprocess: choice.head === 'centernet' ? PIXELS : UNIT, head: choice.head,
    ...(labels ? { labels } : {}), ...(choice.centernet ? { centernet: choice.centernet } : {}),
  };
  return { model, weights: b.weights };
}
