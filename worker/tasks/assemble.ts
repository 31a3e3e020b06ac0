/**
 * Assembling what a task needs from the pieces it received: a copy of each piece's overlap into a
 * buffer shaped like the need (stitching is a copy, PAPER §2.4), or the element-wise sum of
 * partial sums for a reduce (PAPER §3.1).
 */
import type { ChannelRange, Region, Tensor3 } from '../../shared/tensor.ts';
import { tensor3 } from '../../shared/tensor.ts';
import { assert } from '../../shared/errors.ts';
import type { NeedDoc, TensorSel } from '../../shared/plan/types.ts';
import { intersectSel, selShape } from '../../shared/plan/sel.ts';

/** Channels per pixel from which `set(subarray)` beats an element loop (measured in V8: ~16–32). */
const SET_MIN_CHANNELS = 24;

export interface Received { readonly sel: TensorSel; readonly data: Tensor3 }

/** Copy the overlap of `src` (covering `srcSel`) into `dst` (covering `dstSel`). */
export function copyOverlap(src: Tensor3, srcSel: { region: Region; channels: ChannelRange }, dst: Tensor3, dstSel: { region: Region; channels: ChannelRange }): number {
  const y0 = Math.max(srcSel.region.y0, dstSel.region.y0), y1 = Math.min(srcSel.region.y1, dstSel.region.y1);
  const x0 = Math.max(srcSel.region.x0, dstSel.region.x0), x1 = Math.min(srcSel.region.x1, dstSel.region.x1);
  const c0 = Math.max(srcSel.channels.c0, dstSel.channels.c0), c1 = Math.min(srcSel.channels.c1, dstSel.channels.c1);
  if (y0 >= y1 || x0 >= x1 || c0 >= c1) return 0;
  const s = src.shape, d = dst.shape;
  const rows = c0 === srcSel.channels.c0 && c1 === srcSel.channels.c1 && c0 === dstSel.channels.c0 && c1 === dstSel.channels.c1;
  for (let y = y0; y < y1; y++) {
    if (rows) {
      // Whole pixels on both sides: a row of the overlap is one contiguous run.
      const si = ((y - srcSel.region.y0) * s.w + (x0 - srcSel.region.x0)) * s.c;
      const di = ((y - dstSel.region.y0) * d.w + (x0 - dstSel.region.x0)) * d.c;
      dst.data.set(src.data.subarray(si, si + (x1 - x0) * s.c), di);
      continue;
    }
    const n = c1 - c0, sd = src.data, dd = dst.data;
    for (let x = x0; x < x1; x++) {
      const si = ((y - srcSel.region.y0) * s.w + (x - srcSel.region.x0)) * s.c + (c0 - srcSel.channels.c0);
      const di = ((y - dstSel.region.y0) * d.w + (x - dstSel.region.x0)) * d.c + (c0 - dstSel.channels.c0);
      // A plain loop for a few channels (a subarray per pixel costs more); a native copy for a tail slice's many.
      if (n >= SET_MIN_CHANNELS) dd.set(sd.subarray(si, si + n), di);
      else for (let k = 0; k < n; k++) dd[di + k] = sd[si + k]!;
    }
  }
  return (y1 - y0) * (x1 - x0) * (c1 - c0);
}

function sameSel(a: TensorSel, b: TensorSel): boolean {
  return a.region.y0 === b.region.y0 && a.region.y1 === b.region.y1 && a.region.x0 === b.region.x0 && a.region.x1 === b.region.x1
    && a.channels.c0 === b.channels.c0 && a.channels.c1 === b.channels.c1;
}

/** Stitch the pieces into the needed selection; every element must be covered. */
export function stitch(need: NeedDoc, pieces: readonly Received[]): Tensor3 {
  // One piece that is the need: no copy (engines never write into their feeds).
  const same = pieces.find((p) => sameSel(p.sel, need.sel));
  if (same) return same.data;
  const out = tensor3(selShape(need.sel));
  let covered = 0;
  for (const p of pieces) covered += copyOverlap(p.data, p.sel, out, need.sel);
  assert(covered >= out.data.length, () => `worker: need of layer ${need.sel.node}: pieces [${need.pieces.join(', ')}] cover ${covered} of ${out.data.length} elements`);
  return out;
}

/** Partial sums that each cover exactly the needed selection, checked, for an engine to add. */
export function partialSums(need: NeedDoc, pieces: readonly Received[]): Tensor3[] {
  const n = selShape(need.sel);
  for (const p of pieces) {
    const same = intersectSel(p.sel, need.sel);
    assert(same && p.data.data.length === n.h * n.w * n.c, () => `worker: partial sum ${need.pieces.join(',')} of layer ${need.sel.node} does not match the reduce range`);
  }
  return pieces.map((p) => p.data);
}

/** Sum partial sums that each cover exactly the needed selection. */
export function sumPartials(need: NeedDoc, pieces: readonly Received[]): Tensor3 {
  const out = tensor3(selShape(need.sel));
  for (const p of pieces) {
    const same = intersectSel(p.sel, need.sel);
    assert(same && p.data.data.length === out.data.length, () => `worker: partial sum ${need.pieces.join(',')} of layer ${need.sel.node} does not match the reduce range`);
  }
  // The first partial is copied, not added to zeros, and the rest are added two at a time: half the
  // passes over the output (the sum is memory-bound).
  const a = out.data;
  if (pieces.length > 0) a.set(pieces[0]!.data.data);
  let k = 1;
  for (; k + 1 < pieces.length; k += 2) {
    const b = pieces[k]!.data.data, c = pieces[k + 1]!.data.data;
    for (let i = 0; i < a.length; i++) a[i]! += b[i]! + c[i]!;
  }
  if (k < pieces.length) {
    const b = pieces[k]!.data.data;
    for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
  }
  return out;
}
