/**
 * The planner service, the control plane (DESIGN.md): learns the workers from their retained
 * `info` and `state`, waits for the expected number (or a timeout), plans, publishes the retained
 * plan, and re-plans when a worker joins or leaves (its Last Will says `offline`).
 */
import type { Model } from '../shared/model/ir.ts';
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { ErrorMessage, WorkerInfo } from '../shared/wire/messages.ts';
import { logger, type Logger } from '../shared/log.ts';
import type { PlanDevice, PlanDoc } from '../shared/plan/types.ts';
import { Calibration } from './calibration.ts';
import { AdoptionWatch } from './adoption.ts';
import { keepPlan } from './plan-keeper.ts';
import { NoPlanFrames } from './no-plan-frames.ts';
import { DriftReplan } from './drift-replan.ts';
import { PlannerFaults } from './faults.ts';
import { planDevices } from './plan-devices.ts';
import type { PlannerContext } from './planner-context.ts';

export type { PlanFn, PlannerContext } from './planner-context.ts';

const ALL_GONE_GRACE_MS = 5000; // the plan outlives the last worker: all gone at once is likely the broker going down

/** `silent`: planned but never ran the plan (planner/adoption.ts); left out until its stats come again. */
interface Known { info?: WorkerInfo; online: boolean; silent?: boolean }

export class PlannerService {
  readonly #ctx: PlannerContext;
  readonly #log: Logger;
  readonly #workers = new Map<string, Known>();
  readonly #unsubs: Unsubscribe[] = [];
  #timer: NodeJS.Timeout | undefined;
  #current: PlanDoc | undefined;
  #started = 0;
  #objective: string | undefined;
  readonly #noPlan: NoPlanFrames;
  #chain: Promise<void> = Promise.resolve();
  readonly #adoption: AdoptionWatch;
  readonly #faults: PlannerFaults; // issue 14 §1: liveness, lost frames, adoption, standby plans, the broker's return
  #graced = false; // the last worker's departure waited ALL_GONE_GRACE_MS once
  readonly listeners = new Set<(plan: PlanDoc | undefined) => void>();
  readonly calibration: Calibration;
  readonly #drift: DriftReplan;
  /** Told when planning fails (e.g. PlanInfeasibleError): a command with no plan can exit with the reason. */
  readonly failures = new Set<(error: Error) => void>();

  constructor(ctx: PlannerContext) {
    this.#ctx = ctx;
    this.#log = ctx.log ?? logger('planner');
    this.calibration = ctx.calibration ?? new Calibration();
    this.#noPlan = new NoPlanFrames({ ...ctx, hasPlan: () => this.#current !== undefined || this.#faults.serving(), online: () => this.#ready().length });
    this.#adoption = new AdoptionWatch({
      ...ctx, current: () => this.#current, silent: (id, silent) => this.#update(id, { silent }),
      alive: (id) => this.#workers.get(id)?.online === false && this.#update(id, { online: true }),
    });
    this.#drift = new DriftReplan({
      ...ctx, log: this.#log, calibration: this.calibration, current: () => this.#current, objective: () => this.objective,
      devices: () => this.#devices(), plan: (d) => ctx.plan(ctx.model, d, this.objective),
      adopt: (plan, before) => this.#adopt(plan, this.#ready(), { before }),
      enqueue: (task) => void (this.#chain = this.#chain.then(task).catch((e: Error) => this.#fail(e))),
    });
    this.#faults = new PlannerFaults({
      ...ctx, log: this.#log, model: ctx.model.name, current: () => this.#current, setOnline: (id, online) => this.#update(id, { online }),
      online: () => this.#ready().map((i) => i.id), plan: async (d) => this.#ctx.plan(this.#ctx.model, d, this.objective),
    });
  }

  get plan(): PlanDoc | undefined { return this.#current; }
  /** The model this planner plans for (the bridge `info` answer: one source of truth, issue 10 #3). */
  get model(): Model { return this.#ctx.model; }
  /** The objective plans use now. */
  get objective(): string | undefined { return this.#objective ?? this.#ctx.objective; }

  get workers(): { id: string; online: boolean; info?: WorkerInfo }[] {
    return [...this.#workers].map(([id, k]) => ({ id, ...k }));
  }

  async start(): Promise<void> {
    const { transport: t, topics } = this.#ctx;
    this.#started = Date.now();
    // Armed before subscribing: the workers' retained announcements arrive during the subscribe and
    // may already complete the expected set, which shortens this wait (issue 13: a planner started
    // after its workers used to re-arm the full wait here, after they had scheduled a plan).
    this.#schedule(this.#ctx.waitMs ?? 10_000);
    await topics.publish(t, topics.bridgeState(), 'online', { qos: 1 });
    this.#unsubs.push(...(await this.#faults.start()));
    this.#unsubs.push(await topics.subscribe(t, topics.workerInfo('+'), (m) => {
      if (m.payload.ok) this.#update(m.params.id!, { info: m.payload.value });
      else if (!m.retain || m.payload.error.message.includes('empty')) this.#log.warn(m.payload.error.message);
    }));
    this.#unsubs.push(await topics.subscribe(t, topics.workerState('+'), (m) => {
      if (!m.payload.ok) return;
      this.#faults.state(m.params.id!, m.payload.value === 'online');
      this.#update(m.params.id!, { online: m.payload.value === 'online' });
    }));
    this.#unsubs.push(await this.#adoption.start());
    this.#unsubs.push(await this.#drift.start());
    this.#unsubs.push(await keepPlan({ transport: t, topics, log: this.#log, current: () => this.#current }));
    await this.#noPlan.set(true);
  }

  /**
   * `clear`: a clean stop of the service (issue 10 #14) removes the retained plan it owns, so an
   * external broker does not keep 150–250 KB of stale plan; a crash never gets here and keeps it.
   */
  async stop(opts: { clear?: boolean } = {}): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#adoption.stop();
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
    await this.#chain;
    await this.#noPlan.set(false).catch(() => undefined);
    const { transport: t, topics } = this.#ctx;
    if (opts.clear && this.#current) await topics.clear(t, topics.plan(), { qos: 1 }).catch(() => undefined);
    await topics.publish(t, topics.bridgeState(), 'offline', { qos: 1 }).catch(() => undefined);
  }

  /** Plan now with the workers online (bridge request `plan`, tests); `objective` overrides from now on. */
  replan(objective?: string, force = true): Promise<PlanDoc | undefined> {
    if (objective) this.#objective = objective;
    this.#chain = this.#chain.then(() => this.#replan(force)).catch((e: Error) => this.#fail(e));
    return this.#chain.then(() => this.#current);
  }

  #update(id: string, change: Partial<Known>): void {
    const before = this.#workers.get(id) ?? { online: false };
    const after = { ...before, ...change };
    this.#workers.set(id, after);
    if (before.online === after.online && (before.info !== undefined) === (after.info !== undefined) && !before.silent === !after.silent) return;
    if (before.online !== after.online && (after.info || !after.online)) this.#log.info(`worker ${id} ${after.online ? 'online' : 'offline'}`);
    const ready = this.#ready().length;
    const expected = this.#ctx.expectedWorkers;
    const waiting = !this.#current && Date.now() - this.#started < (this.#ctx.waitMs ?? 10_000);
    if (waiting && (expected === undefined || ready < expected)) return;
    this.#schedule(this.#ctx.debounceMs ?? 300);
  }

  #ready(): WorkerInfo[] {
    return [...this.#workers.values()].filter((k) => k.online && k.info && !k.silent).map((k) => k.info!).sort((a, b) => a.id.localeCompare(b.id));
  }

  #schedule(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.replan(undefined, false), ms); // a change: plans may stand
    this.#timer.unref();
  }

  async #replan(force: boolean): Promise<void> {
    const infos = this.#ready();
    const { transport: t, topics } = this.#ctx;
    const before = this.#current;
    const retained = before ? undefined : this.#faults.adoptable(infos);
    if (retained) return this.#adopt(retained, infos, { before, publish: false, note: ', adopted as retained' });
    if (infos.length === 0) {
      if (before && !force && !this.#graced) return void (this.#graced = true, this.#schedule(ALL_GONE_GRACE_MS));
      if (this.#current) this.#log.warn('no worker online: plan withdrawn');
      this.#faults.planned(before, undefined, infos, (i) => this.#devices(i)!, this.objective);
      this.#current = undefined;
      this.#adoption.planned(undefined);
      await this.#noPlan.set(true);
      await topics.clear(t, topics.plan(), { qos: 1 });
      for (const l of this.listeners) l(undefined);
      return;
    }
    this.#graced = false;
    if (!force && this.#faults.stands(before, infos)) return this.#log.info(`plan ${before!.planId} stands: the workers it uses are online`);
    const devices = this.#devices(infos)!;
    // After a fault the standby plan; a re-plan asked for (bridge `plan`) plans afresh, calibrated as of now.
    const standby = force ? undefined : this.#faults.standby(devices, this.objective);
    await this.#adopt(standby ?? await this.#ctx.plan(this.#ctx.model, devices, this.objective), infos, { before, note: standby ? ', a standby plan' : '' });
  }

  /** The workers online (or `infos`) as devices, data source first, speeds corrected by the calibration. */
  #devices(infos: readonly WorkerInfo[] = this.#ready()): PlanDevice[] | undefined {
    return planDevices(infos, { dataSource: this.#ctx.dataSource, currentSource: this.#current?.dataSource, calibration: this.calibration });
  }

  /** `plan` runs from now: published (or, `publish: false`, adopted as the broker retains it). */
  async #adopt(plan: PlanDoc, infos: readonly WorkerInfo[], o: { before?: PlanDoc; publish?: boolean; note?: string } = {}): Promise<void> {
    const { transport: t, topics } = this.#ctx;
    this.calibration.planned(plan);
    this.#drift.planned(Date.now());
    this.#current = plan;
    this.#adoption.planned(plan);
    if (o.publish !== false) await topics.publish(t, topics.plan(), plan, { retain: true, qos: 1 });
    this.#faults.planned(o.before, plan, infos, (i) => this.#devices(i)!, this.objective);
    await this.#noPlan.set(false);
    this.#log.info(`plan ${plan.planId}: ${plan.devices.length} of ${infos.length} workers (${plan.devices.map((d) => d.id).join(', ')}), data source ${plan.dataSource}${o.note ?? ''}${plan.reason ? `: ${plan.reason}` : ''}`);
    for (const l of this.listeners) l(plan);
  }

  #fail(e: Error): void {
    this.#log.error(e.message);
    for (const l of this.failures) l(e);
    const msg: ErrorMessage = { code: 'plan-failed', message: `planner: ${e.message}`, time: Date.now() };
    void this.#ctx.topics.publish(this.#ctx.transport, this.#ctx.topics.errors(), msg).catch(() => undefined);
  }
}
