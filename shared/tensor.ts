/**
 * A plain host tensor: H×W×C float32, channel-last (NHWC, batch 1). This is what crosses module
 * and wire boundaries; the engine converts it to backend tensors.
 */
import type { Shape3 } from './model/ir.ts';
import { assert } from './errors.ts';

export interface Tensor3 {
  readonly shape: Shape3;
  readonly data: Float32Array;
}

export function tensor3(shape: Shape3, data?: Float32Array): Tensor3 {
  const n = shape.h * shape.w * shape.c;
  const d = data ?? new Float32Array(n);
  assert(d.length === n, () => `tensor: data length ${d.length} does not match shape ${shape.h}x${shape.w}x${shape.c}`);
  return { shape, data: d };
}

/** Half-open rectangle of rows [y0, y1) and columns [x0, x1). */
export interface Region { readonly y0: number; readonly y1: number; readonly x0: number; readonly x1: number }

/** Half-open channel range [c0, c1). */
export interface ChannelRange { readonly c0: number; readonly c1: number }
