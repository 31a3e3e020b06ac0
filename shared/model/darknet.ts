/**
 * Darknet cfg → Model IR. Node id = Darknet layer index (every section after [net]), so layer
 * numbers match PAPER.md §7 and the authors' code. Weights: darknet-weights.ts.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ModelFormatError } from '../errors.ts';
import { INPUT, type HeadKind, type Model, type Node, type Shape3 } from './ir.ts';
import { parseCfg, SectionReader, type CfgSection } from './darknet-cfg.ts';
import { buildLayer } from './darknet-layers.ts';
import { outShape, ShapeError } from './shapes.ts';
import { labelsFor } from './labels.ts';

export interface DarknetOptions {
  /** Override [net] height/width (reduced-size tests; every map and dense size follows from it). */
  readonly inputSize?: { readonly h: number; readonly w: number };
}

/** Parse cfg text. `file` names the source in errors (`darknet: <file>: line <n>: …`). */
export function parseDarknet(text: string, file: string, opts: DarknetOptions = {}): Model {
  const sections = parseCfg(text, file);
  const first = sections[0];
  if (!first || (first.type !== 'net' && first.type !== 'network')) {
    throw new ModelFormatError('darknet', file, first?.line, 'the first section must be [net]');
  }
  const net = new SectionReader(first, file);
  const input = netInput(net, opts);
  const cfg = { h: net.int('height', input.h, 1), w: net.int('width', input.w, 1) };
  const nodes = buildNodes(sections.slice(1), file, input, { h: input.h / cfg.h, w: input.w / cfg.w });
  if (nodes.length === 0) throw new ModelFormatError('darknet', file, undefined, 'no layers after [net]');
  const { head, outputs, classes } = headOf(nodes);
  const labels = classes === undefined ? undefined : labelsFor(classes);
  return {
    name: basename(file).replace(/\.cfg$/i, ''),
    format: 'darknet',
    input,
    nodes,
    outputs,
    head,
    // Darknet YOLO letterboxes (pad 0.5) and classifiers resize; pixels scale to 0..1 (src/image.c).
    preprocess: { resize: head === 'region' || head === 'yolo' ? 'letterbox' : 'stretch', scale: 1 / 255 },
    ...(labels ? { labels } : {}),
  };
}

/** Read and parse a .cfg file. */
export async function loadDarknet(path: string, opts: DarknetOptions = {}): Promise<Model> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ModelFormatError('darknet', path, undefined, `cannot read cfg: ${(e as Error).message}`);
  }
  return parseDarknet(text, path, opts);
}

function netInput(r: SectionReader, opts: DarknetOptions): Shape3 {
  const c = r.int('channels', undefined, 1);
  if (opts.inputSize) {
    const { h, w } = opts.inputSize;
    if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 1 && w >= 1)) {
      throw r.error(`inputSize override ${h}x${w} must be positive integers`);
    }
    return { h, w, c };
  }
  return { h: r.int('height', undefined, 1), w: r.int('width', undefined, 1), c };
}

function buildNodes(sections: readonly CfgSection[], file: string, input: Shape3, inputScale: { h: number; w: number }): Node[] {
  const nodes: Node[] = [];
  for (const [id, section] of sections.entries()) {
    const r = new SectionReader(section, file);
    if (section.type === 'net' || section.type === 'network') throw r.error('[net] may only be the first section');
    const spec = buildLayer(r, { id, input, nodes, inputScale });
    let out: Shape3;
    try {
      out = outShape(spec, spec.inputs.map((i) => (i === INPUT ? input : nodes[i]!.out)));
    } catch (e) {
      if (e instanceof ShapeError) throw r.error(`layer ${id} (${spec.name}): ${e.detail}`);
      throw e;
    }
    nodes.push({ ...spec, out } as Node);
  }
  return nodes;
}

/** PAPER §1: the head decodes the last layer, or every yolo layer (YOLOv3-style multi-scale). */
function headOf(nodes: readonly Node[]): { head: HeadKind; outputs: number[]; classes?: number } {
  const yolos = nodes.filter((n) => n.kind === 'yolo');
  if (yolos[0]?.kind === 'yolo') return { head: 'yolo', outputs: yolos.map((n) => n.id), classes: yolos[0].classes };
  const last = nodes[nodes.length - 1]!;
  if (last.kind === 'region') return { head: 'region', outputs: [last.id], classes: last.classes };
  const flat = last.out.h === 1 && last.out.w === 1;
  const classifier = last.kind === 'softmax' || last.kind === 'dense' || (last.kind === 'avgpool' && last.global);
  if (classifier && flat) return { head: 'classifier', outputs: [last.id], classes: last.out.c };
  return { head: 'none', outputs: [last.id] };
}
