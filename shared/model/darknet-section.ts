/**
 * What every Darknet layer builder (darknet-layers.ts) reads the same way: where the layer sits
 * (its index, the layers before it), layer references (`from`, `layers`), strides and activations,
 * with Darknet's defaults (src/parser.c) and errors that name the key and line.
 */
import { INPUT, type Activation, type Node, type Shape3 } from './ir.ts';
import type { SectionReader } from './darknet-cfg.ts';

export interface LayerContext {
  /** This layer's Darknet index (= node id). */
  readonly id: number;
  readonly input: Shape3;
  readonly nodes: readonly Node[];
  /** input / cfg size when the input size is overridden: a crop keeps its ratio to the input. */
  readonly inputScale?: { readonly h: number; readonly w: number };
}

const ACTIVATIONS: Record<string, Activation> = {
  linear: 'linear', leaky: 'leaky', relu: 'relu', relu6: 'relu6', logistic: 'logistic', tanh: 'tanh', mish: 'mish', swish: 'swish',
};

export function prev(ctx: LayerContext): number {
  return ctx.id === 0 ? INPUT : ctx.id - 1;
}

export function shapeOf(ctx: LayerContext, id: number): Shape3 {
  return id === INPUT ? ctx.input : ctx.nodes[id]!.out;
}

export function act(r: SectionReader, fallback: string): Activation {
  const name = r.str('activation', fallback);
  const a = ACTIVATIONS[name];
  if (!a) throw r.error(`unsupported activation '${name}' (supported: ${Object.keys(ACTIVATIONS).join(', ')})`, 'activation');
  return a;
}

/** A layer reference (`from`, `layers`): negative is relative to this layer, else absolute. */
export function ref(r: SectionReader, ctx: LayerContext, key: string, v: number): number {
  const idx = v < 0 ? ctx.id + v : v;
  if (idx >= ctx.id) throw r.error(`${key} refers to layer ${idx}, which is not before layer ${ctx.id}`, key);
  if (idx < 0) throw r.error(`${key} refers to layer ${idx}, before the first layer`, key);
  return idx;
}

export function strides(r: SectionReader, fallback: number): [number, number] {
  const s = r.int('stride', fallback, 1);
  return [r.int('stride_y', s, 1), r.int('stride_x', s, 1)];
}
