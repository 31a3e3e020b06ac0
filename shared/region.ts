/**
 * Regions of a feature map (rows × columns, half-open) and the small set algebra the tile tracer
 * needs. Split from geometry.ts so that the per-kind rules (receptive.ts) and the kind table
 * (model/kinds.ts) can use it without an import cycle.
 */
import type { Pad4, Shape3 } from './model/ir.ts';
import type { Region } from './tensor.ts';

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

/** Per-node result: the region of each input (in `node.inputs` order) and the tile padding. */
export interface NodeRegions { readonly inputs: readonly Region[]; readonly pad: Pad4 }
