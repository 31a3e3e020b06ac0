/**
 * How fast this device runs each kind of work on its engine (`worker --speed measure`) [ours]:
 * per work class (shared/plan/speed-profile.ts) a small and a large probe layer run through the
 * engine's task seam (compile → run, as real tasks run; chains of 4 minus chains of 1, so the
 * task's host tensors in and out drop out), and the two timings fit `fixedMs + work / rate`. One conv figure was 8× off for CenterNet (issue 13), where
 * depthwise and small layers run far below a big 3×3 conv's GFLOP/s. Cached per machine and engine
 * (profile-cache.ts), so a restart does not pay the ~2 s again.
 */
import { type Model, type Node } from '../../shared/model/ir.ts';
import { parseDarknet } from '../../shared/model/darknet.ts';
import { syntheticWeights } from '../../shared/model/synthetic.ts';
import { tensor3 } from '../../shared/tensor.ts';
import { nodeWork, type ClassSpeed, type SpeedProfile, type WorkClass } from '../../shared/plan/speed-profile.ts';
import type { Engine } from './engine.ts';
import { tfjsEngine } from './tfjs-engine.ts';
import { modelProgram } from '../../shared/plan/program.ts';
import { wholeWeights } from './executor.ts';
import { cgroupCpuQuota } from './cores.ts';

/**
 * Probe layers per class: input [h, w, c] small and large, and one Darknet section that keeps the
 * shape (so it chains). `resize` chains upsample ×2 with a 2×2/2 maxpool and subtracts the pool.
 */
const PROBES: Record<WorkClass, { readonly sizes: readonly (readonly [number, number, number])[]; readonly layers: readonly string[] }> = {
  conv: { sizes: [[16, 16, 32], [52, 52, 64]], layers: ['convolutional]\nfilters=$C\nsize=3\nstride=1\npad=1\nbatch_normalize=1\nactivation=leaky'] },
  pointwise: { sizes: [[16, 16, 64], [52, 52, 128]], layers: ['convolutional]\nfilters=$C\nsize=1\nstride=1\npad=0\nbatch_normalize=1\nactivation=leaky'] },
  depthwise: { sizes: [[16, 16, 64], [64, 64, 128]], layers: ['convolutional]\nfilters=$C\ngroups=$C\nsize=3\nstride=1\npad=1\nbatch_normalize=1\nactivation=relu'] },
  dense: { sizes: [[1, 1, 256], [1, 1, 1024]], layers: ['connected]\noutput=$C\nactivation=linear'] },
  pool: { sizes: [[16, 16, 32], [104, 104, 64]], layers: ['maxpool]\nsize=3\nstride=1'] },
  // Bilinear, as the TF.js models (CenterNet) upsample; built directly like eltwise.
  resize: { sizes: [[16, 16, 32], [64, 64, 64]], layers: ['bilinear', 'maxpool'] },
  // Darknet has no standalone activation layer: built directly (chainModel).
  eltwise: { sizes: [[32, 32, 32], [104, 104, 64]], layers: ['activation'] },
};

/** The probe's layers repeated `times` on an input of `shape`. */
function chainModel([h, w, c]: readonly [number, number, number], layers: readonly string[], times: number): Model {
  const shape = { h, w, c };
  const built = (nodes: Node[]): Model => ({ name: 'speed-probe', format: 'tfjs-graph', input: shape, outputs: [nodes.length - 1], preprocess: { resize: 'stretch', scale: 1 }, head: 'none', nodes });
  if (layers[0] === 'activation') {
    return built(Array.from({ length: times }, (_, i) => ({ id: i, name: `leaky${i}`, kind: 'activation', inputs: [i - 1], out: shape, activation: 'leaky' })));
  }
  if (layers[0] === 'bilinear') {
    const up = { h: 2 * h, w: 2 * w, c }, zero = { top: 0, bottom: 0, left: 0, right: 0 };
    return built(Array.from({ length: times }, (_, i): Node[] => [
      { id: 2 * i, name: `up${i}`, kind: 'upsample', inputs: [2 * i - 1], out: up, stride: 2, mode: 'bilinear', scale: 1, alignCorners: false, halfPixelCenters: true },
      { id: 2 * i + 1, name: `pool${i}`, kind: 'maxpool', inputs: [2 * i], out: shape, global: false, size: [2, 2], stride: [2, 2], pad: zero },
    ]).flat());
  }
  const body = Array.from({ length: times }, () => layers.map((l) => `[${l.replace(/\$C/g, String(c))}\n`).join('\n')).join('\n');
  return parseDarknet(`[net]\nheight=${h}\nwidth=${w}\nchannels=${c}\n\n${body}`, 'speed-probe.cfg');
}

/**
 * ms of one run of the whole probe model through the engine (host tensors in and out): the median of
 * short runs. Under a cgroup CPU quota a run shorter than the scheduler's period (100 ms) goes at full
 * speed and is throttled only after, so there the probe runs for several periods and counts the mean
 * wall time, which includes the throttling (bench cluster at 0.3 core: the median said 43 GFLOP/s for
 * 3×3 convs where one device sustained ~19; the mean of a 400 ms window says 18.7).
 */
async function timeModel(engine: Engine, model: Model, budgetMs: number, quota = cgroupCpuQuota()): Promise<number> {
  const window = quota === undefined ? budgetMs : Math.max(budgetMs, 400);
  const weights = syntheticWeights(model, 1);
  const task = await engine.compile(modelProgram(model), wholeWeights(weights));
  const input = tensor3(model.input, Float32Array.from({ length: model.input.h * model.input.w * model.input.c }, (_, i) => ((i * 7919) % 1000) / 1000));
  const feeds = [input];
  try {
    await task.run(feeds); // warm-up: kernel compilation, weight upload
    const times: number[] = [];
    const t0 = performance.now();
    while (times.length < 3 || (performance.now() - t0 < window && (quota !== undefined || times.length < 50))) {
      const t = performance.now();
      await task.run(feeds);
      times.push(performance.now() - t);
    }
    if (quota !== undefined) return (performance.now() - t0) / times.length;
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    task.dispose();
  }
}

/**
 * ms of one layer group inside a task, and its work per layer: the difference between a chain of
 * r and a chain of one, so the task's own cost (host tensors in and out) drops out, as it does
 * for a layer in the middle of a real task.
 */
async function timeLayer(engine: Engine, cls: WorkClass, size: readonly [number, number, number], budgetMs: number): Promise<{ ms: number; work: number; extraWork: number }> {
  const { layers } = PROBES[cls];
  // Cheap layers chain longer, so their share stands out of the timing noise.
  const r = cls === 'pool' || cls === 'resize' || cls === 'eltwise' ? 8 : 4;
  const one = chainModel(size, layers, 1), many = chainModel(size, layers, r);
  const total = await timeModel(engine, many, budgetMs);
  // Floor: noise can make the difference vanish; a layer costs at least a quarter of its chain's average.
  const ms = Math.max(total / r / 4, (total - (await timeModel(engine, one, budgetMs))) / (r - 1));
  const work = nodeWork(one, one.nodes[0]!);
  return { ms, work, extraWork: one.nodes.length > 1 ? nodeWork(one, one.nodes[1]!) : 0 };
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
  /** Time per probe model (default 60 ms; at least 3 runs each). */
  readonly budgetMs?: number;
}

/** This device's speed per work class on `engine` (default tfjs). */
export async function measureProfile(o: MeasureOptions = {}): Promise<SpeedProfile> {
  const engine = o.engine ?? tfjsEngine;
  const classes: Partial<Record<WorkClass, ClassSpeed>> = {};
  const budget = o.budgetMs ?? 60;
  for (const cls of Object.keys(PROBES) as WorkClass[]) {
    const small = await timeLayer(engine, cls, PROBES[cls].sizes[0]!, budget);
    const large = await timeLayer(engine, cls, PROBES[cls].sizes[1]!, budget);
    // resize: the chained pool's share, at the pool rate just fitted, is not the resize's.
    const pool = classes.pool;
    const own = (t: { ms: number; work: number; extraWork: number }) => ({ work: t.work, ms: Math.max(1e-4, t.ms - (pool && t.extraWork ? pool.fixedMs + t.extraWork / (pool.gflops * 1e6) : 0)) });
    const fit = fitClass(own(small), own(large));
    // Four significant digits: a slow class's rate must not round to 0.
    classes[cls] = { gflops: Math.max(1e-9, Number(fit.gflops.toPrecision(4))), fixedMs: fit.fixedMs };
  }
  return { engine: o.label ?? engine.name, classes };
}

/** The single GFLOP/s figure `speedGflops` still carries: the sustained rate of a large 3×3 conv. */
export function headlineGflops(p: SpeedProfile): number {
  return Math.round((p.classes.conv?.gflops ?? 1) * 100) / 100;
}
