/**
 * How fast a device runs each kind of work [ours, beyond PAPER §6's one speed per device]: the
 * worker measures itself per work class (worker/engine/speed.ts) and the planner predicts a run as
 * `fixedMs + work / rate`. One GFLOP/s figure is 8× off for CenterNet (issue 13: a 3×3 conv runs
 * at 9 GFLOP/s where depthwise and small layers run at ~1), so the classes and the fixed per-run
 * cost are what make small and depthwise layers cost what they do. Planner and worker share this
 * module so they classify every node the same way.
 */
import { elements, type Model, type Node } from '../model/ir.ts';
import { nodeFlops } from '../model/stats.ts';

/**
 * conv: k×k, ungrouped; pointwise: 1×1 ungrouped; depthwise: grouped; resize: upsample and reorg
 * (broadcasts and gathers, far slower per element than arithmetic on the wasm backend);
 * eltwise: every other memory-bound layer (activations, add, mul, concat, …).
 */
export type WorkClass = 'conv' | 'pointwise' | 'depthwise' | 'dense' | 'pool' | 'resize' | 'eltwise';

export const WORK_CLASSES: readonly WorkClass[] = ['conv', 'pointwise', 'depthwise', 'dense', 'pool', 'resize', 'eltwise'];

/** One class: sustained rate (GFLOP/s, or G elements/s for eltwise) and the fixed cost of one run. */
export interface ClassSpeed {
  readonly gflops: number;
  readonly fixedMs: number;
}

/** A device's measured speeds, keyed by engine (speed depends on it: tfjs, onnxruntime, …). */
export interface SpeedProfile {
  readonly engine: string;
  readonly classes: Readonly<Partial<Record<WorkClass, ClassSpeed>>>;
}

export function workClass(node: Node): WorkClass {
  switch (node.kind) {
    case 'conv2d':
      if (node.groups > 1) return 'depthwise';
      return node.size[0] * node.size[1] === 1 ? 'pointwise' : 'conv';
    case 'dense': return 'dense';
    case 'maxpool':
    case 'avgpool': return 'pool';
    case 'upsample':
    case 'reorg': return 'resize';
    default: return 'eltwise';
  }
}

/** The amount of work a class rate divides: FLOPs for compute classes, output elements for eltwise. */
export function nodeWork(model: Model, node: Node): number {
  const c = workClass(node);
  return c === 'eltwise' || c === 'resize' ? elements(node.out) : nodeFlops(model, node);
}

/**
 * Milliseconds for `work` of class `cls` (`fraction` of a node's run, e.g. a tile or a channel
 * slice). Without a measured class the device's single speed applies to FLOPs only, as PAPER §6's
 * model does (data movement free, no fixed cost).
 */
export function runMs(o: { profile?: SpeedProfile; speed: number }, cls: WorkClass, work: number, flops: number): number {
  const c = o.profile?.classes[cls];
  if (!c) return flops / (o.speed * 1e6);
  return c.fixedMs + work / (c.gflops * 1e6);
}

/** A profile with every rate divided by `factor` (a calibration correction, planner/calibration.ts). */
export function scaleProfile(p: SpeedProfile, factor: number): SpeedProfile {
  const classes: Partial<Record<WorkClass, ClassSpeed>> = {};
  for (const [k, c] of Object.entries(p.classes) as [WorkClass, ClassSpeed][]) classes[k] = { gflops: c.gflops / factor, fixedMs: c.fixedMs * factor };
  return { engine: p.engine, classes };
}

/** Shape check for a profile read from the wire or a cache file; the reason it is unusable, or undefined. */
export function profileProblem(x: unknown): string | undefined {
  const p = x as SpeedProfile;
  if (typeof p !== 'object' || p === null || typeof p.engine !== 'string' || typeof p.classes !== 'object' || p.classes === null) return 'profile must be {engine, classes}';
  for (const [k, c] of Object.entries(p.classes)) {
    if (!WORK_CLASSES.includes(k as WorkClass)) return `profile class '${k}' is not one of ${WORK_CLASSES.join(', ')}`;
    if (!(c && c.gflops > 0 && c.fixedMs >= 0)) return `profile class '${k}' needs gflops > 0 and fixedMs >= 0`;
  }
  return undefined;
}
