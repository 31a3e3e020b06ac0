/**
 * Geometry: output sizes, padding rules and receptive regions. The ONLY place of this math
 * (STYLE.md §5), so planner and worker can't disagree.
 */
import { assert } from './errors.ts';
import type { Conv2dNode, Node, Pad4, Pair, PoolNode, ReorgNode, Shape3, UpsampleNode } from './model/ir.ts';
import type { Region } from './tensor.ts';

/** Output length of a sliding window over `n` inputs with leading/trailing padding (PAPER §2.3). */
export function windowOutSize(n: number, size: number, stride: number, dilation: number, padLo: number, padHi: number): number {
  const span = (size - 1) * dilation + 1;
  const out = Math.floor((n + padLo + padHi - span) / stride) + 1;
  assert(out >= 1, () => `geometry: window size=${size} stride=${stride} dilation=${dilation} pad=${padLo}+${padHi} does not fit input ${n}`);
  return out;
}

/** Darknet conv: `pad=1` means ⌊size/2⌋ each side, else `padding=` (default 0) each side (src/parser.c). */
export function darknetConvPad(size: number, padFlag: number, padding: number | undefined): [number, number] {
  const p = padFlag ? Math.floor(size / 2) : (padding ?? 0);
  return [p, p];
}

/**
 * Darknet maxpool: total padding defaults to size−1 unless `padding=` is set; leading ⌊total/2⌋,
 * the rest trailing; output ⌊(H + total − F)/S⌋ + 1 (src/maxpool_layer.c, PAPER §2.3).
 */
export function darknetPoolPad(size: number, padding: number | undefined): [number, number] {
  const total = padding ?? size - 1;
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** TensorFlow "SAME": total = max((out−1)·S + (F−1)·D + 1 − H, 0), leading ⌊total/2⌋ (PAPER §2.3). */
export function tfSamePad(n: number, size: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + (size - 1) * dilation + 1 - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

// ── Receptive regions (PAPER §2.2–§2.3): output region → input regions, per node kind ──

export const EMPTY_REGION: Region = { y0: 0, y1: 0, x0: 0, x1: 0 };
export const NO_PAD: Pad4 = { top: 0, bottom: 0, left: 0, right: 0 };

export function isEmptyRegion(r: Region): boolean {
  return r.y1 <= r.y0 || r.x1 <= r.x0;
}

export function fullRegion(s: Shape3): Region {
  return { y0: 0, y1: s.h, x0: 0, x1: s.w };
}

/** Whether `inner` lies inside `outer`; an empty region lies inside anything. */
export function containsRegion(outer: Region, inner: Region): boolean {
  return isEmptyRegion(inner) || (inner.y0 >= outer.y0 && inner.y1 <= outer.y1 && inner.x0 >= outer.x0 && inner.x1 <= outer.x1);
}

/** Bounding box of two regions; a zero-area region adds nothing (it carries a crop's shape, no data). */
export function unionRegion(a: Region, b: Region): Region {
  if (isEmptyRegion(a)) return b;
  if (isEmptyRegion(b)) return a;
  return { y0: Math.min(a.y0, b.y0), y1: Math.max(a.y1, b.y1), x0: Math.min(a.x0, b.x0), x1: Math.max(a.x1, b.x1) };
}

export function regionString(r: Region): string {
  return `rows [${r.y0}..${r.y1}) cols [${r.x0}..${r.x1})`;
}

/** An input crop [lo, hi) of a map of length n plus the tile padding around it. */
export interface Span { readonly lo: number; readonly hi: number; readonly padLo: number; readonly padHi: number }

/**
 * PAPER §2.3 generalised rule: output o reads inputs o·S − P + k·D, k = 0..F−1. For outputs [o0, o1)
 * the crop is the in-map part of [first, last] and the padding is the out-of-map part, so a VALID
 * window over padLo + crop + padHi gives exactly o1 − o0 outputs. A window that lies wholly in the
 * node's padding gets an empty crop and all-padding, which keeps that count.
 */
export function windowSpan(o0: number, o1: number, n: number, size: number, stride: number, dilation: number, padLo: number): Span {
  assert(o1 > o0, () => `geometry: empty output span [${o0}..${o1})`);
  const first = o0 * stride - padLo;
  const last = (o1 - 1) * stride - padLo + (size - 1) * dilation;
  const lo = Math.min(Math.max(first, 0), n);
  const hi = Math.max(Math.min(last + 1, n), lo);
  return { lo, hi, padLo: Math.max(0, Math.min(last + 1, 0) - first), padHi: Math.max(0, last + 1 - Math.max(first, n)) };
}

/**
 * tf.image.resizeBilinear (tfjs-backend-cpu ResizeBilinear): output r samples src = ratio·r, or
 * ratio·(r + ½) − ½ with half-pixel centres, and reads rows ⌊src⌋ and ⌈src⌉ clamped to the map.
 * src grows with r, so the two ends of [o0, o1) bound the rows read. Same float formula as tfjs.
 */
export function bilinearSpan(o0: number, o1: number, nIn: number, nOut: number, alignCorners: boolean, halfPixelCenters: boolean): [number, number] {
  const src = (r: number): number => bilinearSource(r, nIn, nOut, alignCorners, halfPixelCenters);
  return [Math.max(0, Math.floor(src(o0))), Math.min(nIn - 1, Math.ceil(src(o1 - 1))) + 1];
}

/** The fractional source row (or column) output r of a bilinear resize samples; see bilinearSpan. */
export function bilinearSource(r: number, nIn: number, nOut: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const corners = alignCorners && nOut > 1;
  const ratio = (corners ? nIn - 1 : nIn) / (corners ? nOut - 1 : nOut);
  return halfPixelCenters ? ratio * (r + 0.5) - 0.5 : ratio * r;
}

/**
 * Darknet reorg: forward_reorg_layer calls reorg_cpu(x, w, h, c, …, forward = 0, out) with the INPUT
 * w, h, c, which sets out[in_index] = x[out_index]. Returns the input element [c, y, x] that output
 * element (oc, oy, ox) copies; both tensors are indexed CHW, so our NHWC storage does not matter.
 */
export function reorgSource(inp: Shape3, stride: number, oc: number, oy: number, ox: number): [number, number, number] {
  const { h, w, c } = inp;
  const flat = ox + (w / stride) * (oy + (h / stride) * oc); // = in_index = i + w·(j + h·k)
  const i = flat % w, j = Math.floor(flat / w) % h, k = Math.floor(flat / (w * h));
  const outC = c / (stride * stride);
  const c2 = k % outC, offset = Math.floor(k / outC);
  const w2 = i * stride + (offset % stride), h2 = j * stride + Math.floor(offset / stride);
  const src = w2 + w * stride * (h2 + h * stride * c2); // out_index, read from x as (c, h, w)
  return [Math.floor(src / (w * h)), Math.floor(src / w) % h, src % w];
}

/** Per-node result: the region of each input (in `node.inputs` order) and the tile padding. */
export interface NodeRegions { readonly inputs: readonly Region[]; readonly pad: Pad4 }

/**
 * Receptive regions of one node for output region `out` (PAPER §2.2–§2.3); `inShapes` in input order.
 * A zero-area `out` reads nothing. An input region may itself have zero area when the windows fall
 * wholly in the node's padding (pad ≥ span; real models never do this); its extent on the other
 * axis still gives the crop + tile padding the right shape.
 */
export function inputRegions(node: Node, out: Region, inShapes: readonly Shape3[]): NodeRegions {
  const where = (): string => `geometry: node ${node.id} (${node.kind})`;
  assert(inShapes.length === node.inputs.length, () => `${where()} has ${node.inputs.length} inputs but got ${inShapes.length} shapes`);
  assert(containsRegion(fullRegion(node.out), out), () => `${where()} output ${regionString(out)} exceeds its ${node.out.h}x${node.out.w} map`);
  if (isEmptyRegion(out)) return { inputs: inShapes.map(() => EMPTY_REGION), pad: NO_PAD };
  const res = kindRegions(node, out, inShapes);
  res.inputs.forEach((r, k) => {
    const s = inShapes[k];
    assert(containsRegion(fullRegion(s), r), () => `${where()} input ${k} needs ${regionString(r)} beyond its ${s.h}x${s.w} map`);
  });
  return res;
}

function kindRegions(node: Node, out: Region, ins: readonly Shape3[]): NodeRegions {
  const only = (r: Region): NodeRegions => ({ inputs: [r], pad: NO_PAD });
  switch (node.kind) {
    case 'conv2d': return windowRegions(node, out, ins[0], node.dilation);
    case 'maxpool':
    case 'avgpool': return node.global ? { inputs: ins.map(fullRegion), pad: NO_PAD } : windowRegions(node, out, ins[0], [1, 1]);
    case 'dense': return { inputs: ins.map(fullRegion), pad: NO_PAD };
    // Per-pixel ops and element-wise joins read the same pixels of every input.
    case 'add':
      // Darknet shortcut between unequal maps samples the second input every `stride` cells.
      if (node.shortcutStride !== undefined && node.shortcutStride > 1) {
        const s = node.shortcutStride;
        return { inputs: [out, { y0: out.y0 * s, y1: (out.y1 - 1) * s + 1, x0: out.x0 * s, x1: (out.x1 - 1) * s + 1 }], pad: NO_PAD };
      }
      return { inputs: ins.map(() => out), pad: NO_PAD };
    case 'softmax': case 'activation': case 'identity': case 'region': case 'yolo': case 'concat':
      return { inputs: ins.map(() => out), pad: NO_PAD };
    // Squeeze-excite: a 1×1×C input is broadcast over the whole map.
    case 'mul': return { inputs: ins.map((s) => (s.h === 1 && s.w === 1 ? fullRegion(s) : out)), pad: NO_PAD };
    case 'crop': return only({ y0: out.y0 + node.top, y1: out.y1 + node.top, x0: out.x0 + node.left, x1: out.x1 + node.left });
    case 'upsample': return only(upsampleRegion(node, out, ins[0]));
    case 'reorg': return only(reorgRegion(node, out, ins[0]));
    default: {
      const unknown: never = node;
      throw new Error(`geometry: no region rule for node kind ${(unknown as Node).kind}`);
    }
  }
}

function windowRegions(node: Conv2dNode | PoolNode, out: Region, inp: Shape3, dilation: Pair): NodeRegions {
  const r = windowSpan(out.y0, out.y1, inp.h, node.size[0], node.stride[0], dilation[0], node.pad.top);
  const c = windowSpan(out.x0, out.x1, inp.w, node.size[1], node.stride[1], dilation[1], node.pad.left);
  return { inputs: [{ y0: r.lo, y1: r.hi, x0: c.lo, x1: c.hi }], pad: { top: r.padLo, bottom: r.padHi, left: c.padLo, right: c.padHi } };
}

function upsampleRegion(node: UpsampleNode, out: Region, inp: Shape3): Region {
  if (node.mode === 'nearest') {
    // Darknet upsample_cpu: output o copies input ⌊o/s⌋.
    const s = node.stride;
    return { y0: Math.floor(out.y0 / s), y1: Math.floor((out.y1 - 1) / s) + 1, x0: Math.floor(out.x0 / s), x1: Math.floor((out.x1 - 1) / s) + 1 };
  }
  const [y0, y1] = bilinearSpan(out.y0, out.y1, inp.h, node.out.h, node.alignCorners, node.halfPixelCenters);
  const [x0, x1] = bilinearSpan(out.x0, out.x1, inp.w, node.out.w, node.alignCorners, node.halfPixelCenters);
  return { y0, y1, x0, x1 };
}

/** Reorg scatters pixels across the map, so the exact bounding box is found by enumerating every output element. */
function reorgRegion(node: ReorgNode, out: Region, inp: Shape3): Region {
  const s = node.stride;
  assert(inp.h % s === 0 && inp.w % s === 0 && inp.c % (s * s) === 0,
    () => `geometry: node ${node.id} (reorg) stride ${s} does not divide its ${inp.h}x${inp.w}x${inp.c} input`);
  let y0 = Infinity, y1 = -Infinity, x0 = Infinity, x1 = -Infinity;
  for (let oc = 0; oc < inp.c * s * s; oc++) {
    for (let oy = out.y0; oy < out.y1; oy++) {
      for (let ox = out.x0; ox < out.x1; ox++) {
        const [, y, x] = reorgSource(inp, s, oc, oy, ox);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y + 1); x0 = Math.min(x0, x); x1 = Math.max(x1, x + 1);
      }
    }
  }
  return { y0, y1, x0, x1 };
}
