/**
 * Predicted latency of one frame (PAPER §6, our run-time model [ours]): compute / speed + bytes /
 * bandwidth + a per-message overhead, overlapping what can overlap.
 *
 * Resources: each device computes one task at a time (in plan order), and has a full-duplex link to
 * the broker: an uplink it publishes on and a downlink it receives on, each serial. The broker is
 * store-and-forward per chunk (shared/wire/chunks.ts): a piece takes two hops, publisher → broker →
 * subscriber, each chunk leaving once it has fully arrived, plus the per-message overhead (broker
 * processing and MQTT framing) once per piece and a smaller one per chunk. The sender's CPU encodes a
 * piece before it leaves and the receiver decodes it as it arrives (serialisation). Compute runs at
 * the device's measured per-class speeds (shared/plan/speed-profile.ts) when it has a profile, else
 * at its one GFLOP/s figure. Channels serve messages in plan order, a stand-in for FIFO.
 */
import type { Model } from '../shared/model/ir.ts';
import { elements, nodeInputs } from '../shared/model/ir.ts';
import { nodeFlops } from '../shared/model/stats.ts';
import type { PlanDevice, PlanDoc, TaskDoc } from '../shared/plan/types.ts';
import { selVolume } from '../shared/plan/sel.ts';
import { nodeWork, runMs, workClass } from '../shared/plan/speed-profile.ts';
import { DEFAULT_CHUNK_LIMIT } from '../shared/wire/chunks.ts';
import type { Traffic } from './cost-traffic.ts';
import { stagePredictions, type TaskTimes } from './cost-stages.ts';
import type { StagePrediction } from '../shared/plan/types.ts';

export interface LatencyParams {
  /** Broker and protocol time per piece, added between uplink and downlink (default 0.5 ms on a LAN). */
  readonly messageOverheadMs: number;
  /** Largest publish of a chunked piece (default: the outbox's 256 KiB) and the link time each costs. */
  readonly chunkBytes?: number;
  readonly chunkOverheadMs?: number;
  /** Encode / decode rate of tensor messages on a device's CPU, MB/s (0 or absent: free). */
  readonly serializeMBps?: number;
}

export const DEFAULT_LATENCY: LatencyParams = { messageOverheadMs: 0.5, chunkBytes: DEFAULT_CHUNK_LIMIT, chunkOverheadMs: 0.05, serializeMBps: 800 };

export interface Timeline {
  readonly latencyMs: number;
  /** The busiest device's compute, uplink or downlink per frame: frames pipeline at this pace. */
  readonly bottleneckMs: number;
  /** Per device: busy computing, sending and receiving (ms), and FLOPs run. */
  readonly perDevice: Record<string, { computeMs: number; upMs: number; downMs: number; flops: number }>;
  readonly stages: readonly StagePrediction[];
}

/** FLOPs and predicted ms of one task on `dev`: each run's share of its node, plus reduce sums. */
export function taskCost(model: Model, task: TaskDoc, dev: PlanDevice): { flops: number; ms: number } {
  let flops = 0, ms = 0;
  for (const r of task.runs) {
    const node = model.nodes[r.node]!;
    const area = ((r.region.y1 - r.region.y0) * (r.region.x1 - r.region.x0)) / (node.out.h * node.out.w);
    let share = area;
    if (r.outChannels) share *= (r.outChannels.c1 - r.outChannels.c0) / node.out.c;
    if (r.inChannels) share *= (r.inChannels.c1 - r.inChannels.c0) / nodeInputs(model, node)[0]!.c;
    const f = nodeFlops(model, node) * share;
    flops += f;
    ms += runMs(dev, workClass(node), nodeWork(model, node) * share, f);
  }
  // PAPER §3.1: a reduce adds N partials, then applies bias/BN and activation once.
  for (const n of task.needs) {
    if (!n.reduce) continue;
    const f = (n.pieces.length + 2) * selVolume(n.sel);
    flops += f;
    ms += runMs(dev, 'eltwise', f, f);
  }
  // Ingest decodes, letterboxes and normalises the frame: a few element passes (measured devices only).
  if (task.kind === 'ingest' && dev.profile?.classes.eltwise) ms += runMs(dev, 'eltwise', 3 * elements(model.input), 0);
  return { flops, ms };
}

/** FLOPs of one task (kept for callers that count work, not time). */
export function taskFlops(model: Model, task: TaskDoc): number {
  return taskCost(model, task, { id: '', memoryBytes: 0, speed: 1, linkBps: 1 }).flops;
}

interface Clock {
  readonly free: Map<string, { cpu: number; up: number; down: number }>;
  /** Arrival time (ms) of each piece at each consuming device. */
  readonly arrival: Map<string, Map<string, number>>;
  readonly perDevice: Timeline['perDevice'];
  readonly linkMs: (bytes: number, device: string) => number;
  readonly codecMs: (bytes: number) => number;
  readonly chunks: (bytes: number) => number;
}

/** A finished task's output piece: local consumers have it now; remote ones after uplink, broker, downlink. */
function deliver(clock: Clock, id: string, from: string, done: number, traffic: Traffic, params: LatencyParams): number {
  const got = new Map<string, number>();
  clock.arrival.set(id, got);
  const workers = [...(traffic.consumers.get(id)?.keys() ?? [])];
  if (workers.includes(from)) got.set(from, done);
  const remote = workers.filter((w) => w !== from);
  if (remote.length === 0) return done;
  const bytes = traffic.messageBytes.get(id)!, n = clock.chunks(bytes), perChunk = n * (params.chunkOverheadMs ?? 0);
  const encode = clock.codecMs(bytes), sent = done + encode;
  clock.perDevice[from]!.computeMs += encode;
  const tx = clock.free.get(from)!, up = clock.linkMs(bytes, from) + perChunk;
  const upStart = Math.max(tx.up, sent);
  tx.up = upStart + up;
  clock.perDevice[from]!.upMs += up;
  // Chunks pipeline through the broker: the downlink may start once the first chunk is there.
  const firstAt = upStart + up / n + params.messageOverheadMs, lastAt = tx.up + params.messageOverheadMs;
  for (const w of remote) {
    const rx = clock.free.get(w)!, down = clock.linkMs(bytes, w) + perChunk;
    rx.down = Math.max(Math.max(rx.down, firstAt) + down, lastAt + down / n);
    clock.perDevice[w]!.downMs += down + encode;
    got.set(w, rx.down + clock.codecMs(bytes));
  }
  return sent;
}

export function planTimeline(model: Model, plan: PlanDoc, traffic: Traffic, params: LatencyParams = DEFAULT_LATENCY): Timeline {
  const dev = new Map(plan.devices.map((d) => [d.id, d]));
  const chunk = params.chunkBytes ?? Infinity;
  const clock: Clock = {
    free: new Map(plan.devices.map((d) => [d.id, { cpu: 0, up: 0, down: 0 }])),
    arrival: new Map(),
    perDevice: Object.fromEntries(plan.devices.map((d) => [d.id, { computeMs: 0, upMs: 0, downMs: 0, flops: 0 }])),
    linkMs: (bytes, device) => (bytes * 8 * 1000) / dev.get(device)!.linkBps,
    codecMs: (bytes) => (params.serializeMBps ? bytes / (params.serializeMBps * 1e3) : 0),
    chunks: (bytes) => Math.max(1, Math.ceil(bytes / chunk)),
  };
  let end = 0;
  const times = new Map<string, TaskTimes>();
  for (const s of plan.stages) {
    for (const t of s.tasks) {
      const at = clock.free.get(t.worker)!;
      let start = at.cpu;
      for (const n of t.needs) for (const p of n.pieces) start = Math.max(start, clock.arrival.get(p)?.get(t.worker) ?? 0);
      const { flops, ms } = taskCost(model, t, dev.get(t.worker)!);
      at.cpu = start + ms;
      clock.perDevice[t.worker]!.computeMs += ms;
      clock.perDevice[t.worker]!.flops += flops;
      times.set(t.id, { end: at.cpu, computeMs: ms });
      for (const id of t.outputs) at.cpu = deliver(clock, id, t.worker, at.cpu, traffic, params);
      end = Math.max(end, at.cpu);
    }
  }
  const bottleneckMs = Math.max(...Object.values(clock.perDevice).map((p) => Math.max(p.computeMs, p.upMs, p.downMs)));
  return { latencyMs: end, bottleneckMs, perDevice: clock.perDevice, stages: stagePredictions(plan, times, clock.arrival) };
}
