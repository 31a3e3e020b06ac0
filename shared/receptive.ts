/**
 * Receptive-region rules, one per way a layer's input region relates to its output region (PAPER
 * §2.2–§2.3). shared/model/kinds.ts points every node kind at one of them; geometry.ts's
 * `inputRegions` applies it with the bounds checks. Pure math, no kind dispatch here.
 */
import { assert } from './errors.ts';
import type { AddNode, Conv2dNode, CropNode, MulNode, Node, Pair, PoolNode, ReorgNode, Shape3, UpsampleNode } from './model/ir.ts';
import { NO_PAD, fullRegion, type NodeRegions } from './region.ts';
import type { Region } from './tensor.ts';

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

// ── Rules: (node, output region, input shapes) → input regions + tile padding ──

/** Per-pixel ops and element-wise joins read the same pixels of every input: no halo. */
export function samePixels(_n: Node, out: Region, ins: readonly Shape3[]): NodeRegions {
  return { inputs: ins.map(() => out), pad: NO_PAD };
}

/** Layers that need the whole map (dense, global pooling). */
export function wholeMap(_n: Node, _out: Region, ins: readonly Shape3[]): NodeRegions {
  return { inputs: ins.map(fullRegion), pad: NO_PAD };
}

/** Sliding windows (conv, pooling): the halo grows by (F−1)·D per side with stride S (PAPER §2.3). */
export function windowRegions(node: Conv2dNode | PoolNode, out: Region, ins: readonly Shape3[]): NodeRegions {
  if (node.kind !== 'conv2d' && node.global) return wholeMap(node, out, ins);
  const dilation: Pair = node.kind === 'conv2d' ? node.dilation : [1, 1];
  const inp = ins[0]!;
  const r = windowSpan(out.y0, out.y1, inp.h, node.size[0], node.stride[0], dilation[0], node.pad.top);
  const c = windowSpan(out.x0, out.x1, inp.w, node.size[1], node.stride[1], dilation[1], node.pad.left);
  return { inputs: [{ y0: r.lo, y1: r.hi, x0: c.lo, x1: c.hi }], pad: { top: r.padLo, bottom: r.padHi, left: c.padLo, right: c.padHi } };
}

/** Darknet shortcut between unequal maps samples the second input every `shortcutStride` cells. */
export function shortcutRegions(node: AddNode, out: Region, ins: readonly Shape3[]): NodeRegions {
  const s = node.shortcutStride;
  if (s === undefined || s <= 1) return samePixels(node, out, ins);
  return { inputs: [out, { y0: out.y0 * s, y1: (out.y1 - 1) * s + 1, x0: out.x0 * s, x1: (out.x1 - 1) * s + 1 }], pad: NO_PAD };
}

/** Squeeze-excite: a 1×1×C input is broadcast over the whole map. */
export function broadcastRegions(_n: MulNode, out: Region, ins: readonly Shape3[]): NodeRegions {
  return { inputs: ins.map((s) => (s.h === 1 && s.w === 1 ? fullRegion(s) : out)), pad: NO_PAD };
}

/** Darknet crop: the output is the input shifted by (top, left). */
export function cropRegions(node: CropNode, out: Region): NodeRegions {
  return { inputs: [{ y0: out.y0 + node.top, y1: out.y1 + node.top, x0: out.x0 + node.left, x1: out.x1 + node.left }], pad: NO_PAD };
}

/** Upsampling reads a shrunk region: ⌊o/s⌋ for nearest (Darknet upsample_cpu), bilinearSpan otherwise. */
export function upsampleRegions(node: UpsampleNode, out: Region, ins: readonly Shape3[]): NodeRegions {
  const inp = ins[0]!;
  if (node.mode === 'nearest') {
    const s = node.stride;
    return { inputs: [{ y0: Math.floor(out.y0 / s), y1: Math.floor((out.y1 - 1) / s) + 1, x0: Math.floor(out.x0 / s), x1: Math.floor((out.x1 - 1) / s) + 1 }], pad: NO_PAD };
  }
  const [y0, y1] = bilinearSpan(out.y0, out.y1, inp.h, node.out.h, node.alignCorners, node.halfPixelCenters);
  const [x0, x1] = bilinearSpan(out.x0, out.x1, inp.w, node.out.w, node.alignCorners, node.halfPixelCenters);
  return { inputs: [{ y0, y1, x0, x1 }], pad: NO_PAD };
}

/** Reorg scatters pixels across the map, so the exact bounding box is found by enumerating every output element. */
export function reorgRegions(node: ReorgNode, out: Region, ins: readonly Shape3[]): NodeRegions {
  const s = node.stride, inp = ins[0]!;
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
  return { inputs: [{ y0, y1, x0, x1 }], pad: NO_PAD };
}
