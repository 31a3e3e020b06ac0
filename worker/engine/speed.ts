/**
 * Measure this device's sustained conv GFLOP/s on the engine that will run its tasks
 * (`worker --speed measure`): one 3×3 conv task compiled once and run for the budget.
 */
import { INPUT, type Conv2dNode, type Model } from '../../shared/model/ir.ts';
import { tensor3 } from '../../shared/tensor.ts';
import { modelProgram } from '../../shared/plan/program.ts';
import type { Engine } from './engine.ts';
import { tfjsEngine } from './tfjs-engine.ts';

const [H, W, C, F] = [56, 56, 64, 64];

function convModel(): Model {
  const conv: Conv2dNode = {
    id: 0, name: 'speed', inputs: [INPUT], out: { h: H, w: W, c: F }, kind: 'conv2d', size: [3, 3], stride: [1, 1], dilation: [1, 1],
    pad: { top: 1, bottom: 1, left: 1, right: 1 }, groups: 1, filters: F, batchNorm: false, activation: 'linear',
  };
  return { name: 'speed', format: 'darknet', input: { h: H, w: W, c: C }, nodes: [conv], outputs: [0], preprocess: { resize: 'stretch', scale: 1 }, head: 'none' };
}

const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() - 0.5);

export async function measureSpeed(engine: Engine = tfjsEngine, budgetMs = 400): Promise<number> {
  const weights = { kernel: random(9 * C * F) };
  const task = await engine.compile(modelProgram(convModel()), () => weights);
  const x = tensor3({ h: H, w: W, c: C }, random(H * W * C));
  const flops = 2 * H * W * C * F * 9;
  try {
    await task.run([x]); // warm-up: kernel compilation, allocation
    let runs = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < budgetMs || runs < 3) {
      await task.run([x]);
      runs++;
    }
    return Math.round((flops * runs) / (performance.now() - t0) / 1e4) / 100;
  } finally {
    task.dispose();
  }
}
