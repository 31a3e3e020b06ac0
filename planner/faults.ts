/**
 * The planner's side of "no frame lost to a fault" (issue 14 §1), beside PlannerService: worker
 * liveness by stats (liveness.ts), the frames owed an answer (frame-ledger.ts) reported when their
 * data source dies, the retained plan a restarted planner adopts (adopt.ts), standby plans for each
 * set of survivors (standby.ts), and the return of the broker (announce the state and plan again).
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { ErrorMessage, WorkerInfo } from '../shared/wire/messages.ts';
import type { Logger } from '../shared/log.ts';
import type { PlanDevice, PlanDoc } from '../shared/plan/types.ts';
import { Liveness } from './liveness.ts';
import { FrameLedger } from './frame-ledger.ts';
import { adoptable, parseRetainedPlan } from './adopt.ts';
import { StandbyPlans } from './standby.ts';

export interface PlannerFaultsContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly log: Logger;
  readonly model: string;
  /** A worker silent (no stats) this long counts as gone (default 30 s). */
  readonly livenessMs?: number;
  /** Workers online with their info, and the plan now. */
  readonly online: () => string[];
  readonly current: () => PlanDoc | undefined;
  /** Tell the service a worker went silent (false) or was heard again (true). */
  readonly setOnline: (id: string, online: boolean) => void;
  /** Plan each set of survivors ahead (default true). */
  readonly standby?: boolean;
  /** Make a plan for these devices (standby plans, in the background). */
  readonly plan: (devices: PlanDevice[]) => Promise<PlanDoc>;
}

export class PlannerFaults {
  readonly #ctx: PlannerFaultsContext;
  readonly #liveness: Liveness;
  readonly #ledger = new FrameLedger();
  readonly #standby = new StandbyPlans();
  /** The retained plan as the broker has it; the workers the current plan was made for. */
  #retained: PlanDoc | undefined;
  #considered = new Set<string>();

  constructor(ctx: PlannerFaultsContext) {
    this.#ctx = ctx;
    this.#liveness = new Liveness({ timeoutMs: ctx.livenessMs ?? 30_000 });
  }

  /** Subscribe (the retained plan first: it must be known when the workers' announcements complete the set). */
  async start(): Promise<Unsubscribe[]> {
    const { transport: t, topics } = this.#ctx;
    const timer = setInterval(() => this.#sweep(), 1000);
    timer.unref();
    const offConnect = t.on('connect', () => {
      void topics.publish(t, topics.bridgeState(), 'online', { qos: 1 }).catch(() => undefined);
      const plan = this.#ctx.current() ?? this.#retained; // the broker may have forgotten it
      if (plan) void topics.publish(t, topics.plan(), plan, { retain: true, qos: 1 }).catch((e: Error) => this.#ctx.log.warn(`cannot publish the plan again: ${e.message}`));
    });
    return [
      async () => { clearInterval(timer); offConnect(); },
      await t.subscribe(topics.plan(), (_t, payload) => { this.#retained = parseRetainedPlan(payload); }),
      await t.subscribe(topics.workerStats('+'), (topic) => {
        const id = topics.parse(topic)?.params.id;
        if (id && this.#liveness.seen(id)) this.#ctx.setOnline(id, true);
      }),
      await t.subscribe(topics.cameraFrame('+'), (topic) => {
        const cam = topics.parse(topic)?.params.cam;
        if (cam && this.#ctx.current()) this.#ledger.frame(cam);
      }),
      await t.subscribe(topics.cameraPredictions('+'), (topic) => {
        const cam = topics.parse(topic)?.params.cam;
        if (cam) this.#ledger.answered(cam);
      }),
      await topics.subscribe(t, topics.errors(), (m) => {
        const e = m.payload.ok ? (m.payload.value as Partial<ErrorMessage>) : undefined;
        if (typeof e?.camera === 'string' && e.code !== 'no-plan' && e.worker !== undefined) this.#ledger.answered(e.camera);
      }),
    ];
  }

  /** A worker's retained state changed. */
  state(id: string, online: boolean): void {
    if (online) this.#liveness.seen(id);
    else this.#liveness.forget(id);
  }

  /** Workers still serve the retained plan of an earlier planner (its data source is online). */
  serving(): boolean {
    return this.#retained !== undefined && this.#ctx.online().includes(this.#retained.dataSource);
  }

  /** The retained plan, when a planner without a plan can adopt it for these workers. */
  adoptable(infos: readonly WorkerInfo[]): PlanDoc | undefined {
    return adoptable(this.#retained, this.#ctx.model, infos.map((i) => i.id)) ? this.#retained : undefined;
  }

  /** A worker the plan does not use left, and none joined: the plan stands (nothing in flight is disturbed). */
  stands(before: PlanDoc | undefined, infos: readonly WorkerInfo[]): boolean {
    const keep = before !== undefined && before.devices.every((d) => infos.some((i) => i.id === d.id)) && infos.every((i) => this.#considered.has(i.id));
    this.#considered = new Set(infos.map((i) => i.id));
    return keep;
  }

  /** The standby plan for these devices (a copy with a new id), if one was made. */
  standby(devices: readonly PlanDevice[], objective: string | undefined): PlanDoc | undefined {
    return this.#standby.take(devices, objective);
  }

  /**
   * `plan` now runs for `infos` (made, taken from standby or adopted): remember it, report the frames
   * lost if `before`'s data source died, and prepare the plans for each set of survivors.
   */
  planned(before: PlanDoc | undefined, plan: PlanDoc | undefined, infos: readonly WorkerInfo[], devicesFor: (infos: readonly WorkerInfo[]) => PlanDevice[], objective: string | undefined): void {
    this.#considered = new Set(infos.map((i) => i.id));
    this.#reportLost(before, plan);
    if (!plan) return;
    this.#standby.remember(devicesFor(infos), objective, plan);
    const sets = infos.length > 1 && this.#ctx.standby !== false ? infos.map((gone) => devicesFor(infos.filter((i) => i !== gone))) : [];
    this.#standby.prepare(sets, objective, this.#ctx.plan);
  }

  #sweep(): void {
    for (const id of this.#liveness.expired(this.#ctx.online())) {
      this.#ctx.log.warn(`worker ${id}: no stats for ${Math.round((this.#ctx.livenessMs ?? 30_000) / 1000)} s: counted as gone`);
      this.#ctx.setOnline(id, false);
    }
  }

  /** The data source of `before` died: the frames it held are reported, one error each. */
  #reportLost(before: PlanDoc | undefined, after: PlanDoc | undefined): void {
    if (!before || before.dataSource === after?.dataSource || this.#ctx.online().includes(before.dataSource)) return;
    const { transport: t, topics } = this.#ctx;
    for (const [camera, times] of this.#ledger.takeAll()) {
      this.#ctx.log.warn(`camera ${camera}: ${times.length} frame(s) lost with data source ${before.dataSource}`);
      for (const at of times) {
        const msg: ErrorMessage = { code: 'frame-dropped', message: `camera ${camera}: frame received at ${new Date(at).toISOString()} lost with data source ${before.dataSource} (plan ${before.planId}); the camera may resend it`, camera, time: Date.now() };
        void topics.publish(t, topics.errors(), msg).catch(() => undefined);
      }
    }
  }
}
