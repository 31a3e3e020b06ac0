/**
 * The in-process executor behind `verify`: N virtual devices that share nothing but encoded tensor
 * messages. Each has its own weight store (only its slices) and kernel cache; every piece is
 * encoded once, delivered to each consumer device, and decoded there. Bytes, messages and each
 * device's peak memory are counted the way the broker topology moves them (PAPER §12.3).
 */
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Tensor3 } from '../shared/tensor.ts';
import { assert } from '../shared/errors.ts';
import type { PieceDoc, PlanDoc, TaskDoc } from '../shared/plan/types.ts';
import { decodeTensorMessage, encodeTensorMessage } from '../shared/wire/tensor-codec.ts';
import { WeightStore } from './weight-store.ts';
import { runTask, type TaskEnv } from './tasks/run-task.ts';
import { CompiledTasks } from './tasks/compiled.ts';
import type { Engine } from './engine/engine.ts';
import { tfjsEngine } from './engine/tfjs-engine.ts';
import { pieceEncoding } from '../shared/plan/wire.ts';

export interface DeviceReport {
  readonly device: string;
  readonly weightBytes: number;
  readonly peakActivationBytes: number;
  readonly sentBytes: number;
  readonly receivedBytes: number;
}

export interface ClusterRun {
  readonly outputs: Map<number, Tensor3>;
  /** Bytes delivered to devices other than the publisher (broker egress; the paper's count). */
  readonly bytesExchanged: number;
  /** Bytes published that at least one other device consumed (publisher uplinks). */
  readonly uplinkBytes: number;
  readonly messages: number;
  readonly devices: DeviceReport[];
  /** Remote bytes by the stage of the task that consumed them (first consumer on each device). */
  readonly bytesByStage: Record<string, number>;
}

interface Device {
  readonly id: string;
  readonly store: WeightStore;
  readonly tasks: CompiledTasks;
  readonly inbox: Map<string, { bytes: Uint8Array; heldBytes: number; uses: number }>;
  peak: number;
  sent: number;
  received: number;
}

function consumersOf(plan: PlanDoc): Map<string, TaskDoc[]> {
  const m = new Map<string, TaskDoc[]>();
  for (const s of plan.stages) for (const t of s.tasks) for (const n of t.needs) for (const p of n.pieces) m.set(p, [...(m.get(p) ?? []), t]);
  return m;
}

function heldBytes(d: Device): number {
  let b = 0;
  for (const m of d.inbox.values()) b += m.heldBytes;
  return b;
}

/** Test hook: alter a received piece in place (e.g. zero a halo) to prove the check can fail. */
export type Tamper = (task: TaskDoc, pieceId: string, data: Tensor3) => void;

/** Receive: decode each needed piece on the consuming device (aligned copies, validated). */
function receive(d: Device, task: TaskDoc, tamper?: Tamper): Map<string, Tensor3> {
  const got = new Map<string, Tensor3>();
  for (const id of new Set(task.needs.flatMap((n) => n.pieces))) {
    const m = d.inbox.get(id);
    assert(m, () => `cluster: device ${d.id} never received piece ${id} for task ${task.id}`);
    const r = decodeTensorMessage(m.bytes, { source: id });
    if (!r.ok) throw r.error;
    const t = { shape: { h: r.header.shape[0], w: r.header.shape[1], c: r.header.shape[2] }, data: r.data };
    tamper?.(task, id, t);
    got.set(id, t);
    if (--m.uses === 0) d.inbox.delete(id);
  }
  return got;
}

interface Stats { egress: number; uplink: number; messages: number; byStage: Record<string, number> }

function publish(plan: PlanDoc, frame: number, p: PieceDoc, data: Tensor3, from: Device, devices: Map<string, Device>, users: TaskDoc[], stats: Stats): void {
  const s = data.shape;
  const bytes = encodeTensorMessage({ frame, plan: plan.planId, stage: p.stage, piece: p.id, region: p.sel.region, channels: p.sel.channels, shape: [s.h, s.w, s.c], partial: p.partial }, data.data, pieceEncoding(p));
  const uses = new Map<string, number>();
  const firstStage = new Map<string, string>();
  for (const t of users) {
    uses.set(t.worker, (uses.get(t.worker) ?? 0) + 1);
    if (!firstStage.has(t.worker)) firstStage.set(t.worker, t.stage);
  }
  for (const [worker, n] of uses) {
    const to = devices.get(worker)!;
    to.inbox.set(p.id, { bytes, heldBytes: data.data.byteLength, uses: n });
    if (worker === from.id) continue;
    stats.egress += bytes.length;
    const st = firstStage.get(worker)!;
    stats.byStage[st] = (stats.byStage[st] ?? 0) + bytes.length;
    stats.messages++;
    to.received += bytes.length;
  }
  if ([...uses.keys()].some((w) => w !== from.id)) {
    stats.uplink += bytes.length;
    from.sent += bytes.length;
  }
}

function device(ctx: ClusterContext, id: string, pieces: ReadonlyMap<string, PieceDoc>): Device {
  const { model, plan } = ctx;
  const store = new WeightStore({ model, plan, worker: id, weights: ctx.weights });
  const tasks = new CompiledTasks({ model, pieces, engine: ctx.engine ?? tfjsEngine, weightsFor: (t, use) => store.get(t, use) });
  return { id, store, tasks, inbox: new Map(), peak: 0, sent: 0, received: 0 };
}

export interface ClusterContext {
  readonly model: Model;
  readonly weights: Weights;
  readonly plan: PlanDoc;
  readonly input: Tensor3;
  readonly frame?: number;
  readonly tamper?: Tamper;
  /** Default tfjs. */
  readonly engine?: Engine;
}

/** Run one frame of `plan` on virtual devices; `input` is the preprocessed frame. */
export async function runPlanInProcess(ctx: ClusterContext): Promise<ClusterRun> {
  const { plan } = ctx;
  const pieces = new Map(plan.pieces.map((p) => [p.id, p]));
  const devices = new Map(plan.devices.map((dev): [string, Device] => [dev.id, device(ctx, dev.id, pieces)]));
  const users = consumersOf(plan);
  const stats: Stats = { egress: 0, uplink: 0, messages: 0, byStage: {} };
  let outputs = new Map<number, Tensor3>();
  for (const stage of plan.stages) {
    for (const task of stage.tasks) {
      const d = devices.get(task.worker);
      assert(d, () => `cluster: task ${task.id} is bound to unknown device ${task.worker}`);
      const env: TaskEnv = { pieces, tasks: d.tasks };
      const held = heldBytes(d);
      const got = receive(d, task, ctx.tamper);
      const r = await runTask(env, task, got, task.kind === 'ingest' ? ctx.input : undefined);
      d.peak = Math.max(d.peak, held + r.peakBytes);
      for (const [id, data] of r.outputs) publish(plan, ctx.frame ?? 0, pieces.get(id)!, data, d, devices, users.get(id) ?? [], stats);
      if (task.kind === 'head') outputs = r.gathered;
    }
  }
  for (const d of devices.values()) await d.tasks.dispose();
  return {
    outputs, bytesExchanged: stats.egress, uplinkBytes: stats.uplink, messages: stats.messages, bytesByStage: stats.byStage,
    devices: [...devices.values()].map((d) => ({ device: d.id, weightBytes: d.store.bytes, peakActivationBytes: d.peak, sentBytes: d.sent, receivedBytes: d.received })),
  };
}
