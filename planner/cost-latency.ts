/**
 * Predicted latency of one frame (PAPER §6, our run-time model [ours]): compute / speed + bytes /
 * bandwidth + a per-message overhead, overlapping what can overlap.
 *
 * Resources: each device computes one task at a time (in plan order), and has a full-duplex link to
 * the broker: an uplink it publishes on and a downlink it receives on, each serial. The broker is
 * store-and-forward: a message leaves for its subscribers once it has fully arrived, plus the
 * per-message overhead (broker processing and MQTT framing). Compute overlaps with both links, and
 * different devices' links overlap with each other. A piece consumed on its own device is available
 * when its task ends. Channels serve messages in plan order, a deterministic stand-in for FIFO.
 */
import type { Model } from '../shared/model/ir.ts';
import { nodeInputs } from '../shared/model/ir.ts';
import { nodeFlops } from '../shared/model/stats.ts';
import type { PlanDoc, TaskDoc } from '../shared/plan/types.ts';
import { selVolume } from '../shared/plan/sel.ts';
import type { Traffic } from './cost-traffic.ts';

export interface LatencyParams {
  /** Broker and protocol time per message, added between uplink and downlink (default 0.5 ms on a LAN). */
  readonly messageOverheadMs: number;
}

export const DEFAULT_LATENCY: LatencyParams = { messageOverheadMs: 0.5 };

export interface Timeline {
  readonly latencyMs: number;
  /** Per device: busy computing, sending and receiving (ms), and FLOPs run. */
  readonly perDevice: Record<string, { computeMs: number; upMs: number; downMs: number; flops: number }>;
}

/** FLOPs of one task: each run's share of its node (region × channel fraction), plus reduce sums. */
export function taskFlops(model: Model, task: TaskDoc): number {
  let f = 0;
  for (const r of task.runs) {
    const node = model.nodes[r.node]!;
    const area = ((r.region.y1 - r.region.y0) * (r.region.x1 - r.region.x0)) / (node.out.h * node.out.w);
    let share = 1;
    if (r.outChannels) share *= (r.outChannels.c1 - r.outChannels.c0) / node.out.c;
    if (r.inChannels) share *= (r.inChannels.c1 - r.inChannels.c0) / nodeInputs(model, node)[0]!.c;
    f += nodeFlops(model, node) * area * share;
  }
  // PAPER §3.1: a reduce adds N partials, then applies bias/BN and activation once.
  for (const n of task.needs) if (n.reduce) f += (n.pieces.length + 2) * selVolume(n.sel);
  return f;
}

interface Clock {
  readonly free: Map<string, { cpu: number; up: number; down: number }>;
  /** Arrival time (ms) of each piece at each consuming device. */
  readonly arrival: Map<string, Map<string, number>>;
  readonly perDevice: Timeline['perDevice'];
  readonly sendMs: (bytes: number, device: string) => number;
}

/** A finished task's output piece: local consumers have it now; remote ones after uplink, broker, downlink. */
function deliver(clock: Clock, id: string, from: string, done: number, traffic: Traffic, params: LatencyParams): void {
  const got = new Map<string, number>();
  clock.arrival.set(id, got);
  const workers = [...(traffic.consumers.get(id)?.keys() ?? [])];
  if (workers.includes(from)) got.set(from, done);
  const remote = workers.filter((w) => w !== from);
  if (remote.length === 0) return;
  const bytes = traffic.messageBytes.get(id)!;
  const tx = clock.free.get(from)!, up = clock.sendMs(bytes, from);
  tx.up = Math.max(tx.up, done) + up;
  clock.perDevice[from]!.upMs += up;
  const atBroker = tx.up + params.messageOverheadMs;
  for (const w of remote) {
    const rx = clock.free.get(w)!, down = clock.sendMs(bytes, w);
    rx.down = Math.max(rx.down, atBroker) + down;
    clock.perDevice[w]!.downMs += down;
    got.set(w, rx.down);
  }
}

export function planTimeline(model: Model, plan: PlanDoc, traffic: Traffic, params: LatencyParams = DEFAULT_LATENCY): Timeline {
  const dev = new Map(plan.devices.map((d) => [d.id, d]));
  const clock: Clock = {
    free: new Map(plan.devices.map((d) => [d.id, { cpu: 0, up: 0, down: 0 }])),
    arrival: new Map(),
    perDevice: Object.fromEntries(plan.devices.map((d) => [d.id, { computeMs: 0, upMs: 0, downMs: 0, flops: 0 }])),
    sendMs: (bytes, device) => (bytes * 8 * 1000) / dev.get(device)!.linkBps,
  };
  let end = 0;
  for (const s of plan.stages) {
    for (const t of s.tasks) {
      const at = clock.free.get(t.worker)!;
      let start = at.cpu;
      for (const n of t.needs) for (const p of n.pieces) start = Math.max(start, clock.arrival.get(p)?.get(t.worker) ?? 0);
      const flops = taskFlops(model, t);
      const ms = flops / (dev.get(t.worker)!.speed * 1e6);
      at.cpu = start + ms;
      clock.perDevice[t.worker]!.computeMs += ms;
      clock.perDevice[t.worker]!.flops += flops;
      end = Math.max(end, at.cpu);
      for (const id of t.outputs) deliver(clock, id, t.worker, at.cpu, traffic, params);
    }
  }
  return { latencyMs: end, perDevice: clock.perDevice };
}
