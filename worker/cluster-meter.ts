/**
 * What the in-process cluster counts (PAPER §12.3, as planner/cost-traffic.ts and
 * shared/plan/footprint.ts predict it): every whole piece message delivered to a device by the broker
 * (egress, and per stage of the first task there that consumes it; chunks of a large piece count as
 * the one message they carry), the publishers' uplinks, and each device's peak
 * activation memory. The runtimes interleave tasks as pieces arrive; peaks are replayed in plan
 * order from each task's measured peak, so they do not depend on that interleaving: before a task,
 * a device holds the pieces delivered to it and not yet consumed by all its tasks that need them.
 */
import type { Topics } from '../shared/topics.ts';
import type { PieceDoc, PlanDoc, TaskDoc } from '../shared/plan/types.ts';
import { selVolume } from '../shared/plan/sel.ts';
import { pieceTopic } from './runtime/outbox.ts';

/** Values are float32 on a device whatever their wire dtype (decoded on arrival). */
const F32 = 4;

/** Per piece, the tasks that need it, once per need that lists it, in plan order. */
export function consumersOf(plan: PlanDoc): Map<string, TaskDoc[]> {
  const m = new Map<string, TaskDoc[]>();
  for (const s of plan.stages) for (const t of s.tasks) for (const n of t.needs) for (const p of n.pieces) m.set(p, [...(m.get(p) ?? []), t]);
  return m;
}

export class ClusterMeter {
  readonly #plan: PlanDoc;
  readonly #users: Map<string, TaskDoc[]>;
  readonly #byTopic: Map<string, PieceDoc>;
  readonly #taskPeak = new Map<string, number>();
  egress = 0;
  uplink = 0;
  messages = 0;
  /** Per device: bytes it published for others, bytes delivered to it. */
  readonly sent = new Map<string, number>();
  readonly received = new Map<string, number>();
  readonly #published = new Set<string>();
  readonly byStage: Record<string, number> = {};
  /** Bumped on every delivery and finished task: the cluster's sign of life. */
  activity = 0;

  constructor(plan: PlanDoc, topics: Topics) {
    this.#plan = plan;
    this.#users = consumersOf(plan);
    this.#byTopic = new Map(plan.pieces.map((p) => [pieceTopic(topics, p), p]));
  }

  ran(task: TaskDoc, peakBytes: number): void {
    this.activity++;
    this.#taskPeak.set(task.id, peakBytes);
  }

  /** A whole piece message reached `device` through the broker. */
  arrived(device: string, topic: string, bytes: number): void {
    this.activity++;
    this.egress += bytes;
    this.messages++;
    this.received.set(device, (this.received.get(device) ?? 0) + bytes);
    const p = this.#byTopic.get(topic);
    if (p && !this.#published.has(p.id)) {
      // Published once, however many devices it reaches.
      this.#published.add(p.id);
      this.uplink += bytes;
      this.sent.set(p.worker, (this.sent.get(p.worker) ?? 0) + bytes);
    }
    const stage = p && this.#users.get(p.id)?.find((t) => t.worker === device)?.stage;
    if (stage) this.byStage[stage] = (this.byStage[stage] ?? 0) + bytes;
  }

  /** Peak activation bytes per device: held pieces + the task's measured peak, in plan order. */
  peaks(): Map<string, number> {
    const inbox = new Map(this.#plan.devices.map((d) => [d.id, new Map<string, { bytes: number; uses: number }>()]));
    const peak = new Map(this.#plan.devices.map((d) => [d.id, 0]));
    const pieces = new Map(this.#plan.pieces.map((p) => [p.id, p]));
    for (const task of this.#plan.stages.flatMap((s) => s.tasks)) {
      const held = inbox.get(task.worker)!;
      let bytes = 0;
      for (const m of held.values()) bytes += m.bytes;
      for (const id of new Set(task.needs.flatMap((n) => n.pieces))) {
        const m = held.get(id);
        if (m && --m.uses === 0) held.delete(id);
      }
      peak.set(task.worker, Math.max(peak.get(task.worker)!, bytes + (this.#taskPeak.get(task.id) ?? 0)));
      for (const id of task.outputs) {
        const uses = new Map<string, number>();
        for (const t of this.#users.get(id) ?? []) uses.set(t.worker, (uses.get(t.worker) ?? 0) + 1);
        for (const [w, n] of uses) inbox.get(w)!.set(id, { bytes: selVolume(pieces.get(id)!.sel) * F32, uses: n });
      }
    }
    return peak;
  }
}
