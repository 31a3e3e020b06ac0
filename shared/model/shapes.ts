/**
 * Output-shape inference for every IR node kind, with the validation each kind needs. Window math
 * comes from shared/geometry.ts so planner, worker and importers agree (STYLE.md §5).
 */
import { windowOutSize } from '../geometry.ts';
import type { CropNode, Node, Shape3 } from './ir.ts';

type OmitOut<N> = N extends Node ? Omit<N, 'out'> : never;

/**
 * A node before shape inference. A crop keeps its `out`: the crop size is its parameter, and
 * outShape checks that it fits the input at (top, left).
 */
export type NodeSpec = OmitOut<Exclude<Node, CropNode>> | CropNode;

/** A shape rule broken by one node; importers re-throw it with their file and line. */
export class ShapeError extends Error {
  constructor(readonly layer: number, readonly layerName: string, readonly detail: string) {
    super(`shapes: layer ${layer} (${layerName}): ${detail}`);
    this.name = 'ShapeError';
  }
}

export function fmtShape(s: Shape3): string {
  return `${s.h}x${s.w}x${s.c}`;
}

/** The output shape of `node` given the shapes of its inputs (in `node.inputs` order). */
export function outShape(node: NodeSpec, inputs: readonly Shape3[]): Shape3 {
  const fail = (detail: string): never => {
    throw new ShapeError(node.id, node.name, detail);
  };
  const check = (ok: boolean, detail: () => string): void => {
    if (!ok) fail(detail());
  };
  const arity = node.kind === 'concat' ? -1 : node.kind === 'add' || node.kind === 'mul' ? 2 : 1;
  if (arity === -1) check(inputs.length >= 1, () => 'concat needs at least one input');
  else if (node.kind === 'add') check(inputs.length >= 2, () => `add needs at least 2 inputs, got ${inputs.length}`);
  else check(inputs.length === arity, () => `${node.kind} needs ${arity} input(s), got ${inputs.length}`);
  const x = inputs[0]!;
  try {
    return kindShape(node, inputs, x, check);
  } catch (e) {
    if (e instanceof ShapeError) throw e;
    return fail((e as Error).message);
  }
}

function kindShape(node: NodeSpec, inputs: readonly Shape3[], x: Shape3, check: (ok: boolean, d: () => string) => void): Shape3 {
  switch (node.kind) {
    case 'conv2d':
      return convShape(node, x, check);
    case 'maxpool':
    case 'avgpool':
      return node.global ? { h: 1, w: 1, c: x.c } : { ...window(node, x), c: x.c };
    case 'dense':
      return { h: 1, w: 1, c: node.units };
    case 'concat':
      return concatShape(node.groups, node.groupId, inputs, check);
    case 'add':
      if (node.shortcutStride !== undefined) return shortcutShape(node.shortcutStride, inputs, check);
      for (const s of inputs) check(sameShape(s, x), () => `add inputs differ: ${inputs.map(fmtShape).join(' vs ')}`);
      return x;
    case 'mul':
      return mulShape(inputs, x, check);
    case 'reorg': {
      const s = node.stride;
      check(s >= 1 && x.h % s === 0 && x.w % s === 0, () => `reorg stride ${s} does not divide input ${fmtShape(x)}`);
      return { h: x.h / s, w: x.w / s, c: x.c * s * s };
    }
    case 'upsample':
      check(node.stride >= 1, () => `upsample stride ${node.stride} must be >= 1`);
      return { h: x.h * node.stride, w: x.w * node.stride, c: x.c };
    case 'crop':
      check(node.top >= 0 && node.left >= 0 && node.top + node.out.h <= x.h && node.left + node.out.w <= x.w && node.out.c === x.c,
        () => `crop ${fmtShape(node.out)} at (${node.top}, ${node.left}) does not fit input ${fmtShape(x)}`);
      return node.out;
    case 'region': {
      const want = node.num * (node.coords + 1 + node.classes);
      check(x.c === want, () => `region needs num*(coords+1+classes) = ${want} channels, input has ${x.c}`);
      return x;
    }
    case 'yolo': {
      const want = node.mask.length * (4 + 1 + node.classes);
      check(x.c === want, () => `yolo needs len(mask)*(5+classes) = ${want} channels, input has ${x.c}`);
      return x;
    }
    case 'softmax':
    case 'activation':
    case 'identity':
      return x;
  }
}

function convShape(node: Extract<NodeSpec, { kind: 'conv2d' }>, x: Shape3, check: (ok: boolean, d: () => string) => void): Shape3 {
  check(x.c % node.groups === 0, () => `input channels ${x.c} not divisible by groups ${node.groups}`);
  check(node.filters % node.groups === 0, () => `filters ${node.filters} not divisible by groups ${node.groups}`);
  return { ...window(node, x), c: node.filters };
}

/** Equal shapes, or a 1×1×C second input broadcast over the map (squeeze-excite). */
function mulShape(inputs: readonly Shape3[], x: Shape3, check: (ok: boolean, d: () => string) => void): Shape3 {
  const y = inputs[1]!;
  const broadcast = y.h === 1 && y.w === 1 && y.c === x.c;
  check(sameShape(x, y) || broadcast, () => `mul needs equal shapes or a 1x1x${x.c} second input: ${fmtShape(x)} vs ${fmtShape(y)}`);
  return x;
}

function window(node: { size: readonly [number, number]; stride: readonly [number, number]; dilation?: readonly [number, number];
  pad: { top: number; bottom: number; left: number; right: number } }, x: Shape3): { h: number; w: number } {
  const d = node.dilation ?? [1, 1];
  return {
    h: windowOutSize(x.h, node.size[0], node.stride[0], d[0], node.pad.top, node.pad.bottom),
    w: windowOutSize(x.w, node.size[1], node.stride[1], d[1], node.pad.left, node.pad.right),
  };
}

function concatShape(groups: number, groupId: number, inputs: readonly Shape3[], check: (ok: boolean, d: () => string) => void): Shape3 {
  const x = inputs[0]!;
  for (const s of inputs) {
    check(s.h === x.h && s.w === x.w, () => `concat inputs differ in height/width: ${inputs.map(fmtShape).join(', ')}`);
  }
  const c = inputs.reduce((sum, s) => sum + s.c, 0);
  check(groups >= 1 && c % groups === 0, () => `concat of ${c} channels not divisible by groups ${groups}`);
  check(groupId >= 0 && groupId < groups, () => `group_id ${groupId} out of range for groups ${groups}`);
  return { h: x.h, w: x.w, c: c / groups };
}

/** AddNode.shortcutStride (Darknet shortcut_cpu): the second input is exactly `stride` × larger in h and w. */
function shortcutShape(stride: number, inputs: readonly Shape3[], check: (ok: boolean, d: () => string) => void): Shape3 {
  const [x, y] = [inputs[0]!, inputs[1]];
  check(inputs.length === 2 && y !== undefined, () => `a strided shortcut needs exactly 2 inputs, got ${inputs.length}`);
  check(Number.isInteger(stride) && stride >= 1 && y!.h === x.h * stride && y!.w === x.w * stride,
    () => `shortcut stride ${stride} does not map ${fmtShape(y!)} onto ${fmtShape(x)}`);
  return x;
}

/** The stride a Darknet shortcut needs to add `from` into `out`, or undefined when no integer one fits. */
export function shortcutStrideFor(out: Shape3, from: Shape3): number | undefined {
  const s = from.h / out.h;
  return Number.isInteger(s) && s >= 1 && from.w === out.w * s ? s : undefined;
}

function sameShape(a: Shape3, b: Shape3): boolean {
  return a.h === b.h && a.w === b.w && a.c === b.c;
}
