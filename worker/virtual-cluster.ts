/**
 * The in-process cluster behind `verify`: one real PlanRuntime per device (the MQTT worker's own
 * scheduler, worker/runtime/plan-runtime.ts) over the in-memory broker (shared/transport/memory.ts),
 * so devices share nothing but encoded tensor messages, each with its own weight store and compiled
 * tasks. Bytes, messages and each device's peak memory are counted the way the broker topology
 * moves them (PAPER §12.3; worker/cluster-meter.ts).
 */
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Tensor3 } from '../shared/tensor.ts';
import type { PlanDoc, TaskDoc } from '../shared/plan/types.ts';
import { MemoryBus } from '../shared/transport/memory.ts';
import { Topics } from '../shared/topics.ts';
import { logger } from '../shared/log.ts';
import { PlanRuntime, type RuntimeObserver } from './runtime/plan-runtime.ts';
import type { HeadStep } from './tasks/head.ts';
import type { Engine } from './engine/engine.ts';
import { tfjsEngine } from './engine/tfjs-engine.ts';
import { ClusterMeter, consumersOf } from './cluster-meter.ts';

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

/** Test hook: alter a received piece (e.g. zero a halo) to prove the check can fail. */
export type Tamper = (task: TaskDoc, pieceId: string, data: Tensor3) => void;

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

/** How long nothing may happen (no delivery, no finished task, no task running) before the run is stalled. */
const STALL_MS = 250;
const log = logger('cluster');

/** The tamper hook as a runtime observer: each task on the device sees a copy of what arrived. */
function tampering(plan: PlanDoc, device: string, tamper: Tamper): RuntimeObserver['received'] {
  const users = consumersOf(plan);
  return (_frame, piece, data) => {
    const copy = { shape: data.shape, data: data.data.slice() };
    for (const t of new Set(users.get(piece)?.filter((u) => u.worker === device))) tamper(t, piece, copy);
    return copy;
  };
}

/** Run one frame of `plan` on virtual devices; `input` is the preprocessed frame. */
export async function runPlanInProcess(ctx: ClusterContext): Promise<ClusterRun> {
  const { plan } = ctx;
  const bus = new MemoryBus(), topics = new Topics(), meter = new ClusterMeter(plan, topics);
  let finish!: (out: Map<number, Tensor3>) => void, fail!: (e: Error) => void;
  const done = new Promise<Map<number, Tensor3>>((resolve, reject) => { finish = resolve; fail = reject; });
  const head: HeadStep = { run: async ({ outputs }) => finish(outputs) };
  const runtimes = plan.devices.map((dev) => new PlanRuntime({
    transport: bus.connect({ clientId: dev.id }), topics, plan, model: ctx.model, weights: ctx.weights,
    worker: dev.id, log, engine: ctx.engine ?? tfjsEngine, deadlineMs: 0, captureStamp: false, head,
    counters: { frames: 0, badFrames: 0, oversizeFrames: 0, predictions: 0 },
    error: (code, message) => fail(new Error(`cluster: device ${dev.id}: ${code}: ${message}`)),
    observe: {
      arrived: (topic, bytes) => meter.arrived(dev.id, topic, bytes), ran: (_f, task, peak) => meter.ran(task, peak), received: ctx.tamper && tampering(plan, dev.id, ctx.tamper) },
  }));
  try {
    for (const rt of runtimes) await rt.start();
    const source = runtimes.find((rt) => rt.ingestTask);
    if (!source) throw new Error(`cluster: plan ${plan.planId} has no ingest task`);
    const { h, w } = ctx.input.shape;
    const transform = { image: { w, h }, net: { w, h }, content: { x: 0, y: 0, w, h } };
    source.enter(ctx.frame ?? 0, { meta: { camera: 'verify', width: w, height: h, transform, frameTime: Date.now(), t0: performance.now(), stages: new Map() }, input: ctx.input });
    const outputs = await watch(done, runtimes, meter, (e) => fail(e));
    const peaks = meter.peaks();
    return {
      outputs, bytesExchanged: meter.egress, messages: meter.messages, bytesByStage: meter.byStage,
      uplinkBytes: meter.uplink,
      devices: runtimes.map((rt, i) => {
        const device = plan.devices[i]!.id;
        return { device, weightBytes: rt.weightBytes, peakActivationBytes: peaks.get(device)!, sentBytes: meter.sent.get(device) ?? 0, receivedBytes: meter.received.get(device) ?? 0 };
      }),
    };
  } finally {
    fail = () => undefined;
    for (const rt of runtimes) await rt.stop('verify done');
  }
}

/** The head's outputs, or the first error; a cluster where nothing moves reports the missing pieces. */
async function watch(done: Promise<Map<number, Tensor3>>, runtimes: PlanRuntime[], meter: ClusterMeter, fail: (e: Error) => void): Promise<Map<number, Tensor3>> {
  let seen = -1;
  const timer = setInterval(() => {
    if (meter.activity === seen && runtimes.every((rt) => !rt.busy)) {
      // Deadline 0: the sweep reports every waiting task with the pieces it never got.
      for (const rt of runtimes) rt.sweep();
      fail(new Error(`cluster: nothing moved for ${STALL_MS} ms and the head never ran`));
    }
    seen = meter.activity;
  }, STALL_MS);
  try {
    return await done;
  } finally {
    clearInterval(timer);
  }
}
