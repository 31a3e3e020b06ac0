/**
 * Bilinear upsampling of one FTP tile (PAPER §2.3 for a resize): output rows and columns keep their
 * full-map source coordinates (shared/geometry.ts bilinearSource), so a tile computes exactly the
 * values the whole-map tf.image.resizeBilinear gives there. The crop holds the input rows and
 * columns bilinearSpan asked for. Arithmetic follows tfjs's kernel: interpolate across columns on
 * the two source rows, then between the rows (tfjs-backend-cpu ResizeBilinear).
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearSource } from '../../../shared/geometry.ts';
import type { UpsampleNode } from '../../../shared/model/ir.ts';
import type { Region } from '../../../shared/tensor.ts';

interface Taps { readonly lo: Int32Array; readonly hi: Int32Array; readonly frac: Float32Array }

/** Per output index in [o0, o1): the two source indices (relative to the crop at `offset`) and the weight of the second. */
export function taps(node: UpsampleNode, o0: number, o1: number, nIn: number, nOut: number, offset: number): Taps {
  const n = o1 - o0;
  const t: Taps = { lo: new Int32Array(n), hi: new Int32Array(n), frac: new Float32Array(n) };
  for (let k = 0; k < n; k++) {
    const src = bilinearSource(o0 + k, nIn, nOut, node.alignCorners, node.halfPixelCenters);
    const lo = Math.max(0, Math.floor(src));
    t.lo[k] = lo - offset;
    t.hi[k] = Math.min(nIn - 1, Math.ceil(src)) - offset;
    t.frac[k] = src - lo;
  }
  return t;
}

/** Rows out.y0..y1 × columns out.x0..x1 of the resized map, from `x` covering `inRegion` of the input. */
export function bilinearTile(node: UpsampleNode, x: tf.Tensor3D, inRegion: Region, out: Region): tf.Tensor3D {
  const [inH, inW] = [node.out.h / node.stride, node.out.w / node.stride];
  const rows = taps(node, out.y0, out.y1, inH, node.out.h, inRegion.y0);
  const cols = taps(node, out.x0, out.x1, inW, node.out.w, inRegion.x0);
  const left = tf.gather(x, cols.lo, 1), right = tf.gather(x, cols.hi, 1);
  const across = tf.add(left, tf.mul(tf.sub(right, left), tf.tensor3d(cols.frac, [1, cols.frac.length, 1])));
  const top = tf.gather(across, rows.lo, 0), bottom = tf.gather(across, rows.hi, 0);
  const y = tf.add(top, tf.mul(tf.sub(bottom, top), tf.tensor3d(rows.frac, [rows.frac.length, 1, 1])));
  return node.scale === 1 ? y as tf.Tensor3D : tf.mul(y, node.scale);
}
