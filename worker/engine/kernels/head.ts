/** Shared by the YOLO heads: the map viewed per anchor, H×W×anchors×entries, and back. */
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../../../shared/errors.ts';

/** Applies `f` to the [h][w][anchors][entries] view of `x` (channel = anchor·entries + entry, as Darknet's entry_index). */
export function perAnchor(who: string, x: tf.Tensor3D, anchors: number, entries: number, f: (v: tf.Tensor4D) => tf.Tensor4D[]): tf.Tensor3D {
  const [h, w, c] = x.shape;
  assert(c === anchors * entries, () => `${who}: ${c} channels but ${anchors} anchors × ${entries} entries = ${anchors * entries}`);
  const parts = f(tf.reshape(x, [h, w, anchors, entries])).filter((p) => p.shape[3] > 0);
  return tf.reshape(tf.concat(parts, 3), [h, w, c]);
}

/** Entries [from, from + n) of the per-anchor view. */
export function entries(v: tf.Tensor4D, from: number, n: number): tf.Tensor4D {
  return tf.slice(v, [0, 0, 0, from], [-1, -1, -1, n]);
}
