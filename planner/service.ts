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
import { Liveness } from './liveness.ts';
import { FrameLedger } from './frame-ledger.ts';
import { adoptable, parseRetainedPlan } from './adopt.ts';
import { StandbyPlans } from './standby.ts';

export type PlanFn = (model: Model, devices: PlanDevice[], objective?: string) => PlanDoc | Promise<PlanDoc>;

export interface PlannerContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly model: Model;
  readonly plan: PlanFn;
  /** Plan as soon as this many workers are online; otherwise after `waitMs`. */
  readonly expectedWorkers?: number;
  readonly waitMs?: number;
  /** Re-plan this long after the last join/leave, so a burst of changes makes one plan. */
  readonly debounceMs?: number;
  /** The data source (ingest + head) when online; default: the first worker by id. */
  readonly dataSource?: string;
  /** What plans minimise (config `planner.objective` or `--objective`); the bridge `plan` request may override it. */
  readonly objective?: string;
  readonly log?: Logger;
  /** Corrects device and link speeds from measured stage times (default: a new one). */
  readonly calibration?: Calibration;
  /** A worker silent (no stats) this long counts as gone (config `planner.livenessSeconds`, default 30 s). */
  readonly livenessMs?: number;
}

interface Known { info?: WorkerInfo; online: boolean }

export class PlannerService {
  readonly #ctx: PlannerContext;
  readonly #log: Logger;
  readonly #workers = new Map<string, Known>();
  readonly #unsubs: Unsubscribe[] = [];
  #timer: NodeJS.Timeout | undefined;
  #current: PlanDoc | undefined;
  #started = 0;
  #objective: string | undefined;
  #framesOff: Unsubscribe | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** The retained plan as the broker has it (a restarted planner adopts it: planner/adopt.ts). */
  #retained: PlanDoc | undefined;
  #liveness: Liveness;
  readonly #ledger = new FrameLedger();
  readonly #standby = new StandbyPlans();
  /** The workers the current plan was made for. */
  #considered = new Set<string>();
  #liveTimer: NodeJS.Timeout | undefined;
  #offConnect: (() => void) | undefined;
  readonly listeners = new Set<(plan: PlanDoc | undefined) => void>();
  readonly calibration: Calibration;
  /** Told when planning fails (e.g. PlanInfeasibleError): a command with no plan can exit with the reason. */
  readonly failures = new Set<(error: Error) => void>();

  constructor(ctx: PlannerContext) {
    this.#ctx = ctx;
    this.#log = ctx.log ?? logger('planner');
    this.calibration = ctx.calibration ?? new Calibration();
    this.#liveness = new Liveness({ timeoutMs: ctx.livenessMs ?? 30_000 });
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
    // First the retained plan, so that it is known when the workers' announcements complete the set.
    this.#unsubs.push(await t.subscribe(topics.plan(), (_t, payload) => { this.#retained = parseRetainedPlan(payload); }));
    this.#unsubs.push(await topics.subscribe(t, topics.workerInfo('+'), (m) => {
      if (m.payload.ok) this.#update(m.params.id!, { info: m.payload.value });
      else if (!m.retain || m.payload.error.message.includes('empty')) this.#log.warn(m.payload.error.message);
    }));
    this.#unsubs.push(await topics.subscribe(t, topics.workerState('+'), (m) => {
      if (!m.payload.ok) return;
      const online = m.payload.value === 'online';
      if (online) this.#liveness.seen(m.params.id!);
      else this.#liveness.forget(m.params.id!);
      this.#update(m.params.id!, { online });
    }));
    this.#unsubs.push(await this.#watchPredictions());
    this.#unsubs.push(...(await this.#watchFaults()));
    await this.#watchFrames(true);
  }

  /**
   * Issue 14 §1: liveness by stats (planner/liveness.ts), the ledger of unanswered frames
   * (planner/frame-ledger.ts), and after a broker outage the announcements again (a broker without
   * persistence lost the retained plan and state).
   */
  async #watchFaults(): Promise<Unsubscribe[]> {
    const { transport: t, topics } = this.#ctx;
    this.#liveTimer = setInterval(() => {
      const online = [...this.#workers].filter(([, k]) => k.online && k.info).map(([id]) => id);
      for (const id of this.#liveness.expired(online)) {
        this.#log.warn(`worker ${id}: no stats for ${Math.round((this.#ctx.livenessMs ?? 30_000) / 1000)} s: counted as gone`);
        this.#update(id, { online: false });
      }
    }, 1000);
    this.#liveTimer.unref();
    this.#offConnect = t.on('connect', () => {
      void topics.publish(t, topics.bridgeState(), 'online', { qos: 1 }).catch(() => undefined);
      if (this.#current) void topics.publish(t, topics.plan(), this.#current, { retain: true, qos: 1 }).catch((e: Error) => this.#log.warn(`cannot publish the plan again: ${e.message}`));
    });
    return [
      await t.subscribe(topics.workerStats('+'), (topic) => {
        const id = topics.parse(topic)?.params.id;
        if (id && this.#liveness.seen(id) && this.#workers.get(id)?.info) this.#update(id, { online: true });
      }),
      await t.subscribe(topics.cameraFrame('+'), (topic) => {
        const cam = topics.parse(topic)?.params.cam;
        if (cam && this.#current) this.#ledger.frame(cam);
      }),
      await topics.subscribe(t, topics.errors(), (m) => {
        const e = m.payload.ok ? (m.payload.value as Partial<ErrorMessage>) : undefined;
        if (typeof e?.camera === 'string' && e.code !== 'no-plan' && e.worker !== undefined) this.#ledger.answered(e.camera);
      }),
    ];
  }

  /** The data source of `before` died: the frames it held are reported, one error each. */
  #reportLost(before: PlanDoc | undefined, after: PlanDoc | undefined): void {
    if (!before || before.dataSource === after?.dataSource || this.#workers.get(before.dataSource)?.online) return;
    const { transport: t, topics } = this.#ctx;
    for (const [camera, times] of this.#ledger.takeAll()) {
      this.#log.warn(`camera ${camera}: ${times.length} frame(s) lost with data source ${before.dataSource}`);
      for (const at of times) {
        const msg: ErrorMessage = { code: 'frame-dropped', message: `camera ${camera}: frame received at ${new Date(at).toISOString()} lost with data source ${before.dataSource} (plan ${before.planId}); the camera may resend it`, camera, time: Date.now() };
        void topics.publish(t, topics.errors(), msg).catch(() => undefined);
      }
    }
  }

  /**
   * While no plan runs, nobody would ingest a camera frame: the planner listens then and reports
   * each dropped frame (at most once a second per camera), so no frame is lost in silence.
   */
  async #watchFrames(on: boolean): Promise<void> {
    if (on === (this.#framesOff !== undefined)) return;
    if (!on) {
      const off = this.#framesOff!;
      this.#framesOff = undefined;
      return off();
    }
    const { transport: t, topics } = this.#ctx;
    const last = new Map<string, number>();
    this.#framesOff = await t.subscribe(topics.cameraFrame('+'), (topic) => {
      const cam = topics.parse(topic)?.params.cam ?? '?';
      if (this.#current || this.#serving() || Date.now() - (last.get(cam) ?? 0) < 1000) return;
      last.set(cam, Date.now());
      const online = this.#ready().length;
      const msg: ErrorMessage = { code: 'no-plan', message: `camera ${cam}: frame dropped: no plan yet (${online} worker${online === 1 ? '' : 's'} online)`, camera: cam, time: Date.now() };
      void topics.publish(t, topics.errors(), msg).catch(() => undefined);
    });
  }

  /** Measured stage times of the current plan's frames feed the calibration (calibration.ts). */
  #watchPredictions(): Promise<Unsubscribe> {
    const { transport: t, topics } = this.#ctx;
    return topics.subscribe(t, topics.cameraPredictions('+'), (m) => {
      const p = m.payload.ok ? (m.payload.value as { plan?: unknown; latencyMs?: { stages?: unknown; detail?: unknown } }) : undefined;
      if (m.params.cam) this.#ledger.answered(m.params.cam);
      const stages = p?.latencyMs?.detail ?? p?.latencyMs?.stages;
      if (!this.#current || p?.plan !== this.#current.planId || !Array.isArray(stages)) return;
      this.calibration.observe(this.#current, stages.filter((s): s is { stage: string; ms: number } => typeof s?.stage === 'string' && typeof s?.ms === 'number'));
    });
  }

  /**
   * `clear`: a clean stop of the service (issue 10 #14) removes the retained plan it owns, so an
   * external broker does not keep 150–250 KB of stale plan; a crash never gets here and keeps it.
   */
  async stop(opts: { clear?: boolean } = {}): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#liveTimer) clearInterval(this.#liveTimer);
    this.#offConnect?.();
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
    await this.#chain;
    await this.#watchFrames(false).catch(() => undefined);
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
    if (before.online === after.online && (before.info !== undefined) === (after.info !== undefined)) return;
    if (before.online !== after.online && (after.info || !after.online)) this.#log.info(`worker ${id} ${after.online ? 'online' : 'offline'}`);
    const ready = this.#ready().length;
    const expected = this.#ctx.expectedWorkers;
    const waiting = !this.#current && Date.now() - this.#started < (this.#ctx.waitMs ?? 10_000);
    if (waiting && (expected === undefined || ready < expected)) return;
    this.#schedule(this.#ctx.debounceMs ?? 300);
  }

  #ready(): WorkerInfo[] {
    return [...this.#workers.values()].filter((k) => k.online && k.info).map((k) => k.info!).sort((a, b) => a.id.localeCompare(b.id));
  }

  #schedule(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.replan(undefined, false), ms);
    this.#timer.unref();
  }

  /** Workers still serve the retained plan of an earlier planner (its data source is online). */
  #serving(): boolean {
    return this.#retained !== undefined && this.#workers.get(this.#retained.dataSource)?.online === true;
  }

  async #replan(force: boolean): Promise<void> {
    const infos = this.#ready();
    const { transport: t, topics } = this.#ctx;
    const before = this.#current;
    if (!before && adoptable(this.#retained, this.#ctx.model.name, infos.map((i) => i.id))) {
      this.#current = this.#retained;
      this.calibration.planned(this.#current);
      await this.#watchFrames(false);
      this.#log.info(`plan ${this.#current.planId}: adopted as retained (the workers it names are online)`);
      for (const l of this.listeners) l(this.#current);
      this.#considered = new Set(infos.map((i) => i.id));
      this.#standby.remember(this.#devicesFor(infos), this.objective, this.#current);
      return this.#prepareStandby(infos);
    }
    if (infos.length === 0) {
      if (this.#current) this.#log.warn('no worker online: plan withdrawn');
      this.#reportLost(before, undefined);
      this.#current = undefined;
      await this.#watchFrames(true);
      await topics.clear(t, topics.plan(), { qos: 1 });
      for (const l of this.listeners) l(undefined);
      return;
    }
    // A worker the plan does not use left, and none joined: the plan stands (nothing in flight is disturbed).
    if (!force && before && before.devices.every((d) => infos.some((i) => i.id === d.id)) && infos.every((i) => this.#considered.has(i.id))) {
      this.#considered = new Set(infos.map((i) => i.id));
      return this.#log.info(`plan ${before.planId} stands: the workers it uses are online`);
    }
    this.#considered = new Set(infos.map((i) => i.id));
    const devices = this.#devicesFor(infos);
    // A re-plan asked for (bridge `plan`) plans afresh, with the calibration as it is now.
    const standby = force ? undefined : this.#standby.take(devices, this.objective);
    const plan = standby ?? await this.#ctx.plan(this.#ctx.model, devices, this.objective);
    if (standby) this.#log.info(`plan ${plan.planId}: a standby plan for ${devices.map((d) => d.id).join(', ')} (planner/standby.ts)`);
    else this.#standby.remember(devices, this.objective, plan);
    this.calibration.planned(plan);
    this.#current = plan;
    await topics.publish(t, topics.plan(), plan, { retain: true, qos: 1 });
    this.#reportLost(before, plan);
    await this.#watchFrames(false);
    this.#log.info(`plan ${plan.planId}: ${plan.devices.length} of ${devices.length} workers (${plan.devices.map((d) => d.id).join(', ')}), data source ${plan.dataSource}${plan.reason ? `: ${plan.reason}` : ''}`);
    for (const l of this.listeners) l(plan);
    this.#prepareStandby(infos);
  }

  /** Ready for the next fault: the plans for each set of survivors (planner/standby.ts). */
  #prepareStandby(infos: readonly WorkerInfo[]): void {
    const sets = infos.length > 1 ? infos.map((gone) => this.#devicesFor(infos.filter((i) => i !== gone))) : [];
    this.#standby.prepare(sets, this.objective, (d) => Promise.resolve(this.#ctx.plan(this.#ctx.model, d, this.objective)));
  }

  /** The devices a plan for `infos` is made for: the data source first, speeds calibrated. */
  #devicesFor(infos: readonly WorkerInfo[]): PlanDevice[] {
    const src = this.#ctx.dataSource && infos.some((i) => i.id === this.#ctx.dataSource) ? this.#ctx.dataSource : infos[0]!.id;
    const ordered = [...infos.filter((i) => i.id === src), ...infos.filter((i) => i.id !== src)];
    return this.calibration.apply(ordered.map((i) => ({ id: i.id, memoryBytes: i.memoryBytes, speed: i.speedGflops, linkBps: i.linkBps, ...(i.profile ? { profile: i.profile } : {}) })));
  }

  #fail(e: Error): void {
    this.#log.error(e.message);
    for (const l of this.failures) l(e);
    const msg: ErrorMessage = { code: 'plan-failed', message: `planner: ${e.message}`, time: Date.now() };
    void this.#ctx.topics.publish(this.#ctx.transport, this.#ctx.topics.errors(), msg).catch(() => undefined);
  }
}
