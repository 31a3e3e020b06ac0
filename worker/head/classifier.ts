/**
 * Classifier head: top-k classes of the last map, flattened in HWC order (a 1×1×C map after
 * global pooling or softmax, or a dense layer's output). Scores are taken as the map holds them
 * (probabilities when the model ends in softmax), like Darknet's predict_classifier + top_k.
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { TopClass } from './types.ts';

/** Darknet's predict_classifier prints the top 5. */
export const CLASSIFIER_TOP_K = 5;

/**
 * The k highest scores, highest first; ties keep the lower class index first. Scores below
 * `threshold` and NaN are left out (a NaN would make any order meaningless).
 */
export function topClasses(map: Tensor3, labelOf: (i: number) => string, k: number, threshold = -Infinity): TopClass[] {
  const x = map.data;
  const best: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(v >= threshold)) continue;
    if (best.length === k && v <= x[best[k - 1]!]!) continue;
    // Insertion into a short sorted list: k is small, C may be 1000+.
    let at = best.length;
    while (at > 0 && x[best[at - 1]!]! < v) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best.map((i) => ({ label: labelOf(i), classId: i, score: x[i]! }));
}
