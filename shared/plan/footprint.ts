/**
 * What a plan puts on each device, shared so that the planner's cost model and a worker's admission
 * check count the same bytes. Memory per device (PAPER §5 counts weights held + peak activation; we count them for the real plan).
 *
 * Weights: the slices a device's tasks use, each held once (PAPER §3.2): FTP tasks replicate their
 * stack, LOP keeps filters [c0, c1) with their bias/BN, LIP keeps every filter restricted to input
 * channels [c0, c1) with the whole bias/BN, a reduce keeps the bias/BN of its output range.
 *
 * Activations: the same accounting worker/virtual-cluster.ts applies, replayed statically in plan
 * order. Before each task, a device holds the pieces delivered to it and not yet consumed (float32,
 * 4 bytes per element whatever the wire dtype, since they are decoded on arrival); the task then
 * holds its assembled inputs plus every value it computes, freeing an input after its last use.
 * Peak = max over tasks of (held pieces + the task's live peak). Halos are included because FTP
 * needs are the traced regions. Nothing here depends on data, so the estimate equals the cluster's
 * measured peakActivationBytes whenever the cluster runs the plan in the same order.
 */
import type { Model, Node } from '../model/ir.ts';
import { elements, nodeInputs } from '../model/ir.ts';
import { hasWeights } from '../model/kinds.ts';
import type { NodeRun, PlanDoc, TaskDoc } from './types.ts';
import { selVolume } from './sel.ts';
import { programPeakBytes, taskProgram } from './program.ts';

/** Values are float32 on the device (shared/tensor.ts). */
const F32 = 4;

export interface DeviceMemory {
  readonly weightBytes: number;
  readonly peakActivationBytes: number;
}

/** Weight elements of a slice of `node`; `out`/`in` are channel ranges, `finish` keeps only bias/BN of `out`. */
export function sliceElements(model: Model, node: Node, s: { out?: { c0: number; c1: number }; in?: { c0: number; c1: number }; finish?: boolean }): number {
  if (!hasWeights(node)) return 0;
  const inShape = nodeInputs(model, node)[0]!;
  const outs = node.kind === 'dense' ? node.units : node.out.c;
  const width = s.out ? s.out.c1 - s.out.c0 : outs;
  const vectors = width * (node.batchNorm ? 4 : 1);
  if (s.finish) return vectors;
  // conv kernel HWIO, dense [in][units]: the output index is innermost, input channels repeat with period C/groups.
  const period = node.kind === 'conv2d' ? inShape.c / node.groups : inShape.c;
  const rows = node.kind === 'conv2d' ? node.size[0] * node.size[1] * period : elements(inShape);
  const keptRows = s.in ? (rows / period) * (s.in.c1 - s.in.c0) : rows;
  return keptRows * width + vectors;
}

/** The key a device holds one weight slice under (worker/weight-store.ts keys its slices the same way). */
export function sliceKey(r: Pick<NodeRun, 'node' | 'outChannels' | 'inChannels'>): string {
  const o = r.outChannels, i = r.inChannels;
  return `${r.node}|o${o ? `${o.c0}-${o.c1}` : '*'}|i${i ? `${i.c0}-${i.c1}` : '*'}`;
}

/** Weight bytes each device holds, keyed as worker/weight-store.ts keys its slices (shared slices counted once). */
export function weightBytesPerDevice(model: Model, plan: PlanDoc): Map<string, number> {
  const held = new Map<string, Map<string, number>>(plan.devices.map((d) => [d.id, new Map()]));
  for (const s of plan.stages) {
    for (const t of s.tasks) {
      const slices = held.get(t.worker)!;
      for (const r of t.runs) {
        const key = sliceKey(r);
        if (!slices.has(key)) slices.set(key, sliceElements(model, model.nodes[r.node]!, { out: r.outChannels, in: r.inChannels }));
      }
      for (const n of t.needs) {
        if (n.reduce) slices.set(`${n.sel.node}|finish|${t.id}`, sliceElements(model, model.nodes[n.sel.node]!, { out: n.sel.channels, finish: true }));
      }
    }
  }
  return new Map([...held].map(([d, m]) => [d, [...m.values()].reduce((a, b) => a + b, 0) * F32]));
}

/** A task's live peak: its program's (the executor's own accounting, program.ts programPeakBytes). */
export function taskPeakBytes(model: Model, task: TaskDoc, outputNodes: ReadonlySet<number>): number {
  return programPeakBytes(taskProgram(model, task.id, task.needs, task.runs, [...outputNodes], task.kind === 'ingest'));
}

/** Peak activation bytes per device: held pieces + the running task's live values, in plan order. */
export function peakActivationPerDevice(model: Model, plan: PlanDoc, consumers: ReadonlyMap<string, ReadonlyMap<string, number>>): Map<string, number> {
  const pieces = new Map(plan.pieces.map((p) => [p.id, p]));
  const inbox = new Map<string, Map<string, { bytes: number; uses: number }>>(plan.devices.map((d) => [d.id, new Map()]));
  const held = new Map<string, number>(plan.devices.map((d) => [d.id, 0]));
  const peak = new Map<string, number>(plan.devices.map((d) => [d.id, 0]));
  for (const s of plan.stages) {
    for (const t of s.tasks) {
      const box = inbox.get(t.worker)!;
      const outs = new Set(t.outputs.map((id) => pieces.get(id)!.sel.node));
      peak.set(t.worker, Math.max(peak.get(t.worker)!, held.get(t.worker)! + taskPeakBytes(model, t, outs)));
      for (const id of new Set(t.needs.flatMap((n) => n.pieces))) {
        const m = box.get(id)!;
        if (--m.uses > 0) continue;
        box.delete(id);
        held.set(t.worker, held.get(t.worker)! - m.bytes);
      }
      for (const id of t.outputs) {
        const bytes = selVolume(pieces.get(id)!.sel) * F32;
        for (const [w, uses] of consumers.get(id) ?? []) {
          inbox.get(w)!.set(id, { bytes, uses });
          held.set(w, held.get(w)! + bytes);
        }
      }
    }
  }
  return peak;
}

/** Consuming workers per piece, in plan order, with their use counts (a task counts once per need naming it). */
export function pieceConsumers(plan: PlanDoc): Map<string, Map<string, number>> {
  const m = new Map<string, Map<string, number>>();
  for (const s of plan.stages) {
    for (const t of s.tasks) {
      for (const n of t.needs) {
        for (const p of n.pieces) {
          let byWorker = m.get(p);
          if (!byWorker) m.set(p, (byWorker = new Map()));
          byWorker.set(t.worker, (byWorker.get(t.worker) ?? 0) + 1);
        }
      }
    }
  }
  return m;
}
