/**
 * How fast this device runs each kind of work on its engine (`worker --speed measure`) [ours]:
 * per work class (shared/plan/speed-profile.ts) a small and a large probe layer run through the
 * engine's task seam (compile → run, host tensors in and out, as real tasks run), and the two
 * timings fit `fixedMs + work / rate`. One conv figure was 8× off for CenterNet (issue 13), where
 * depthwise and small layers run far below a big 3×3 conv's GFLOP/s. Cached per machine and engine
 * (profile-cache.ts), so a restart does not pay the ~2 s again.
 */
import { INPUT, type Model } from '../../shared/model/ir.ts';
import { parseDarknet } from '../../shared/model/darknet.ts';
import { syntheticWeights } from '../../shared/model/synthetic.ts';
import { tensor3 } from '../../shared/tensor.ts';
import { nodeFlops } from '../../shared/model/stats.ts';
import { nodeWork, type ClassSpeed, type SpeedProfile, type WorkClass } from '../../shared/plan/speed-profile.ts';
import { tfjsEngine, type Engine } from './engine.ts';

/** Probe layers per class: [input h, w, c] and the Darknet section, small then large. */
const PROBES: Record<WorkClass, readonly [readonly [number, number, number], string][]> = {
  conv: [[[16, 16, 32], 'convolutional]\nfilters=32\nsize=3\nstride=1\npad=1\nbatch_normalize=1\nactivation=leaky'],
    [[52, 52, 64], 'convolutional]\nfilters=64\nsize=3\nstride=1\npad=1\nbatch_normalize=1\nactivation=leaky']],
  pointwise: [[[16, 16, 64], 'convolutional]\nfilters=64\nsize=1\nstride=1\npad=0\nbatch_normalize=1\nactivation=leaky'],
    [[52, 52, 128], 'convolutional]\nfilters=128\nsize=1\nstride=1\npad=0\nbatch_normalize=1\nactivation=leaky']],
  depthwise: [[[16, 16, 64], 'convolutional]\nfilters=64\ngroups=64\nsize=3\nstride=1\npad=1\nbatch_normalize=1\nactivation=relu'],
    [[64, 64, 128], 'convolutional]\nfilters=128\ngroups=128\nsize=3\nstride=1\npad=1\nbatch_normalize=1\nactivation=relu']],
  dense: [[[1, 1, 256], 'connected]\noutput=256\nactivation=linear'], [[4, 4, 256], 'connected]\noutput=1024\nactivation=linear']],
  pool: [[[16, 16, 32], 'maxpool]\nsize=2\nstride=2'], [[104, 104, 64], 'maxpool]\nsize=2\nstride=2']],
  resize: [[[16, 16, 32], 'upsample]\nstride=2'], [[64, 64, 64], 'upsample]\nstride=2']],
  // Darknet has no standalone activation layer: built directly (probeModel).
  eltwise: [[[32, 32, 32], 'activation'], [[104, 104, 64], 'activation']],
};

function probeModel([h, w, c]: readonly [number, number, number], section: string): Model {
  if (section !== 'activation') return parseDarknet(`[net]\nheight=${h}\nwidth=${w}\nchannels=${c}\n\n[${section}\n`, 'speed-probe.cfg');
  const shape = { h, w, c };
  return {
    name: 'speed-probe', format: 'darknet', input: shape, outputs: [0], preprocess: { resize: 'stretch', scale: 1 }, head: 'none',
    nodes: [{ id: 0, name: 'leaky', kind: 'activation', inputs: [INPUT], out: shape, activation: 'leaky' }],
  };
}

/** Median ms of one run of the probe's single layer, and its work (FLOPs or elements). */
async function timeProbe(engine: Engine, model: Model, budgetMs: number): Promise<{ ms: number; work: number; flops: number }> {
  const weights = syntheticWeights(model, 1);
  const task = engine.compile({ model, nodes: [0], keep: [0], weightsFor: (id) => weights.get(id) });
  const input = tensor3(model.input, Float32Array.from({ length: model.input.h * model.input.w * model.input.c }, (_, i) => ((i * 7919) % 1000) / 1000));
  const feeds = new Map([[INPUT, input]]);
  try {
    await task.run(feeds); // warm-up: kernel compilation, weight upload
    const times: number[] = [];
    const t0 = performance.now();
    while (times.length < 3 || (performance.now() - t0 < budgetMs && times.length < 50)) {
      const t = performance.now();
      await task.run(feeds);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const node = model.nodes[0]!;
    return { ms: times[Math.floor(times.length / 2)]!, work: nodeWork(model, node), flops: nodeFlops(model, node) };
  } finally {
    task.dispose();
  }
}

/** `fixedMs + work / rate` through the small and large probe (rate alone when noise inverts them). */
export function fitClass(small: { ms: number; work: number }, large: { ms: number; work: number }): ClassSpeed {
  const slope = (large.ms - small.ms) / (large.work - small.work);
  if (!(slope > 0)) return { gflops: large.work / large.ms / 1e6, fixedMs: 0 };
  const fixedMs = Math.max(0, small.ms - small.work * slope);
  return { gflops: 1 / slope / 1e6, fixedMs: Math.round(fixedMs * 1000) / 1000 };
}

export interface MeasureOptions {
  readonly engine?: Engine;
  /** The profile's engine key, e.g. `tfjs:wasm` (default: the engine's name). */
  readonly label?: string;
  /** Time per probe (default 120 ms; at least 3 runs each). */
  readonly budgetMs?: number;
}

/** This device's speed per work class on `engine` (default tfjs). */
export async function measureProfile(o: MeasureOptions = {}): Promise<SpeedProfile> {
  const engine = o.engine ?? tfjsEngine;
  const classes: Partial<Record<WorkClass, ClassSpeed>> = {};
  for (const [cls, [a, b]] of Object.entries(PROBES) as [WorkClass, typeof PROBES[WorkClass]][]) {
    const small = await timeProbe(engine, probeModel(...a!), o.budgetMs ?? 120);
    const large = await timeProbe(engine, probeModel(...b!), o.budgetMs ?? 120);
    const fit = fitClass(small, large);
    // Four significant digits: a resize rate of 0.0004 G elements/s must not round to 0.
    classes[cls] = { gflops: Math.max(1e-9, Number(fit.gflops.toPrecision(4))), fixedMs: fit.fixedMs };
  }
  return { engine: o.label ?? engine.name, classes };
}

/** The single GFLOP/s figure `speedGflops` still carries: the sustained rate of a large 3×3 conv. */
export function headlineGflops(p: SpeedProfile): number {
  return Math.round((p.classes.conv?.gflops ?? 1) * 100) / 100;
}
