/** Measure this device's sustained conv GFLOP/s on the active backend (`worker --speed measure`). */
import * as tf from '@tensorflow/tfjs-core';

export async function measureSpeed(budgetMs = 400): Promise<number> {
  const [h, w, c, f] = [56, 56, 64, 64];
  const x = tf.randomNormal([1, h, w, c]) as tf.Tensor4D;
  const k = tf.randomNormal([3, 3, c, f]) as tf.Tensor4D;
  const flops = 2 * h * w * c * f * 9;
  await tf.conv2d(x, k, 1, 'same').data(); // warm-up: kernel compilation, allocation
  let runs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs || runs < 3) {
    const y = tf.conv2d(x, k, 1, 'same');
    await y.data();
    y.dispose();
    runs++;
  }
  const ms = performance.now() - t0;
  x.dispose();
  k.dispose();
  return Math.round((flops * runs) / ms / 1e4) / 100;
}
