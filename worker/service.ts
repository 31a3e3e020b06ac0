/**
 * The worker process (DESIGN.md "Data plane"): announces itself (retained info, state with a Last
 * Will set by whoever connected the transport), follows the retained plan, and runs its tasks.
 * A plan it can't honour (other model, not enough memory) is refused on the errors topic: it never
 * half-runs. Bad input anywhere becomes an error message, and the worker keeps running.
 */
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Unsubscribe } from '../shared/transport/types.ts';
import type { ErrorCode } from '../shared/wire/messages.ts';
import { logger, type Logger } from '../shared/log.ts';
import type { PlanDoc, TaskDoc } from '../shared/plan/types.ts';
import { PlanRuntime } from './runtime/plan-runtime.ts';
import { HeadTask } from './tasks/head.ts';
import { tfjsEngine } from './engine/tfjs-engine.ts';
import { StatsGate, workerStats } from './stats-gate.ts';
import { ErrorPublisher, type ErrorExtra } from './error-publisher.ts';
import { loadedPlanProblem, readPlan } from './plan-read.ts';
import { watchSelf } from './self-watch.ts';
import { FaultRecovery, type AdoptOptions } from './recovery.ts';
import type { WorkerContext } from './worker-context.ts';

export type { WorkerContext } from './worker-context.ts';

export class Worker {
  readonly #ctx: WorkerContext;
  readonly #log: Logger;
  readonly #unsubs: Unsubscribe[] = [];
  #runtime: PlanRuntime | undefined;
  #plan: PlanDoc | undefined;
  #model: Model | undefined;
  #weights: Weights | undefined;
  #weightsSource: 'file' | 'synthetic' | undefined;
  #stats: StatsGate;
  /** A plan being loaded: frames for it are reported, not dropped silently. */
  #pending: PlanDoc | undefined;
  /** The head task's host half: its trackers and frame rates outlive any one plan. */
  readonly #head: HeadTask;
  #timer: NodeJS.Timeout | undefined;
  #planChain: Promise<void> = Promise.resolve();
  #stopping = false;
  readonly #errors: ErrorPublisher;
  readonly counters = { frames: 0, badFrames: 0, oversizeFrames: 0, skippedFrames: 0, predictions: 0, errors: 0, suppressedErrors: 0 };
  readonly #recovery: FaultRecovery; // issue 14 §1: re-runs, frames held while a plan swaps in, the broker's return

  constructor(ctx: WorkerContext) {
    this.#ctx = ctx;
    this.#log = ctx.log ?? logger(`worker ${ctx.info.id}`);
    const restart = (drop: string) => { if (this.#plan) this.#planChain = this.#planChain.then(() => this.#restart(drop)).catch((e: Error) => this.#error('plan-failed', e.message)); };
    this.#recovery = new FaultRecovery({ ...ctx, log: this.#log, error: (code, message, extra) => this.#error(code, message, extra), restart });
    this.#stats = new StatsGate(ctx.statsHeartbeatMs);
    this.#head = new HeadTask({ ...ctx, counters: this.counters });
    this.#errors = new ErrorPublisher({
      ...ctx, worker: ctx.info.id, log: this.#log, counters: this.counters,
      release: (frame) => this.#recovery.retained.release(frame), unsent: (msg) => this.#recovery.unsent(msg),
    });
  }

  get plan(): PlanDoc | undefined { return this.#plan; }
  get id(): string { return this.#ctx.info.id; }
  /** Work stealing counters of the current plan (worker/runtime/steal.ts), if this worker steals in it. */
  get stealStats() { return this.#runtime?.stealStats; }
  /** Frames of a camera in flight and waiting here (data source; zeros elsewhere). */
  runtimeLoad(camera: string): { inFlight: number; waiting: number } {
    return this.#runtime?.cameraLoad(camera) ?? { inFlight: 0, waiting: 0 };
  }

  async start(): Promise<void> {
    const { transport: t, topics, info } = this.#ctx;
    await topics.publish(t, topics.workerInfo(info.id), info, { qos: 1 });
    await topics.publish(t, topics.workerState(info.id), 'online', { qos: 1 });
    this.#unsubs.push(await t.subscribe(topics.plan(), (_topic, payload) => {
      this.#planChain = this.#planChain.then(() => this.#onPlan(payload)).catch((e: Error) => this.#error('plan-failed', e.message));
    }));
    this.#unsubs.push(...await watchSelf({ transport: t, topics, info, log: this.#log, stopping: () => this.#stopping }));
    this.#unsubs.push(await t.subscribe(topics.cameraFrame('+'), (topic, payload) => this.#onFrame(topic, payload)));
    for (const [topic, camera] of this.#ctx.cameraTopics ?? []) this.#unsubs.push(await t.subscribe(topic, (_t, payload) => this.#onFrame(topic, payload, camera)));
    // The planner answers `restart-worker`; the worker named in it rebuilds its runtime.
    this.#unsubs.push(await topics.subscribe(t, topics.bridgeRequest('restart-worker'), (m) => {
      if (!m.retain && m.payload.ok && m.payload.value.id === this.id) this.#planChain = this.#planChain.then(() => this.#restart());
    }));
    this.#unsubs.push(await this.#recovery.start());
    this.#timer = setInterval(() => this.#tick(), this.#ctx.statsIntervalMs ?? 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
    await this.#planChain;
    await this.#runtime?.stop();
    this.#runtime = undefined;
    const { transport: t, topics } = this.#ctx;
    await topics.publish(t, topics.workerState(this.id), 'offline', { qos: 1 }).catch(() => undefined);
  }

  /** Wait until pending plan changes are applied (tests, `up`). */
  settled(): Promise<void> {
    return this.#planChain;
  }

  async #onPlan(payload: Uint8Array): Promise<void> {
    const read = readPlan(payload, { current: this.#plan?.planId, topic: this.#ctx.topics.plan() });
    if ('ignore' in read) return;
    if ('code' in read) return this.#error(read.code, read.message);
    const plan = read.plan;
    const mine = plan.stages.some((s) => s.tasks.some((t: TaskDoc) => t.worker === this.id));
    if (!mine) return this.#adopt(plan);
    // The new data source holds camera frames from now until the plan runs (and its re-runs went first).
    if (plan.dataSource !== this.id) return this.#load(plan);
    const hold = this.#recovery.holdFor((this.#pending = plan));
    await this.#load(plan, hold).finally(() => hold.release(Promise.resolve()));
  }

  /** Load the plan's model and adopt it if it fits. */
  async #load(plan: PlanDoc, o: AdoptOptions = {}): Promise<void> {
    const { model, weights, hash, weightsSource } = await this.#ctx.loadModel(plan.model);
    this.#weightsSource = weightsSource;
    const problem = loadedPlanProblem(plan, { model, hash, worker: this.id, memoryBytes: this.#ctx.info.memoryBytes, current: this.#plan?.planId });
    if (problem) return this.#error(problem.code, problem.message);
    this.#model = model;
    await this.#adopt(plan, weights, o);
  }

  /** Replace the runtime; the frames the old one owed an answer are re-run or reported (recovery.ts). */
  async #adopt(plan: PlanDoc | undefined, weights?: Weights, o: AdoptOptions = {}): Promise<void> {
    this.#weights = weights;
    const reason = `plan ${this.#plan?.planId ?? this.#pending?.planId ?? '?'} ${plan ? `replaced by ${plan.planId}` : 'withdrawn'}`;
    const left = o.drop ? [] : this.#runtime?.abandon((camera, payload) => this.#inherit(camera, payload)) ?? [];
    await this.#runtime?.stop(o.drop ?? (plan ? 'plan replaced' : 'restart or plan withdrawn'));
    this.#runtime = undefined;
    // The plan counts as adopted (stats, `plan` getter) only once its runtime listens.
    this.#plan = undefined;
    this.#pending = plan;
    if (!plan || !weights || !this.#model) {
      this.#plan = plan;
      return this.#recovery.rerunAfter(left, undefined, reason, {});
    }
    const rt = new PlanRuntime({
      transport: this.#ctx.transport, topics: this.#ctx.topics, plan, model: this.#model, weights, worker: this.id,
      log: this.#log, deadlineMs: this.#ctx.deadlineMs ?? 30_000, framesInFlight: this.#ctx.framesInFlight, queueDepth: this.#ctx.queueDepth, steal: this.#ctx.steal ?? true,
      engine: this.#ctx.engine ?? tfjsEngine, maxFrameBytes: this.#ctx.maxFrameBytes, counters: this.counters,
      error: (code, message, extra) => this.#error(code, message, extra),
      head: this.#recovery.answered(this.#head.step({ model: this.#model, plan, synthetic: this.#weightsSource === 'synthetic' })),
      entered: (meta, input) => this.#recovery.retained.keep(meta, input),
    });
    await rt.start().catch(async (e: Error) => { await this.#recovery.rerunAfter(left, undefined, reason, {}); throw e; });
    [this.#runtime, this.#plan, this.#pending] = [rt, plan, undefined];
    this.#tick(); // stats name the new plan at once: a data source waits for them (runtime/plan-barrier.ts)
    const done = this.#recovery.rerunAfter(left, rt, reason, o);
    await (o.release ? o.release(done) : done);
    this.#log.info(`plan ${plan.planId}: ${plan.stages.flatMap((s) => s.tasks).filter((t) => t.worker === this.id).length} tasks, ${(rt.weightBytes / 1e6).toFixed(1)} MB of weights${this.#weightsSource === 'synthetic' ? ' (weights: synthetic (no --weights))' : ''}`);
  }

  async #restart(drop?: string): Promise<void> {
    const [plan, weights] = [this.#plan, this.#weights];
    this.#log.info(drop ? `runtime restart: ${drop}` : 'restart requested');
    await this.#adopt(undefined, undefined, { drop });
    if (plan) await this.#adopt(plan, weights);
  }

  /** A camera payload: the runtime's ingest task takes it when this worker is the plan's data source. */
  #onFrame(topic: string, payload: Uint8Array, configured?: string): void {
    const rt = this.#runtime;
    const camera = configured ?? this.#ctx.topics.parse(topic)?.params.cam ?? 'unknown';
    if (this.#recovery.ready.holding) return this.#recovery.ready.after(() => this.#onFrame(topic, payload, configured));
    if (!rt?.ingestTask && this.#pending?.dataSource === this.id) return this.#error('not-ready', `camera ${camera}: frame dropped while plan ${this.#pending.planId} loads`, { camera });
    if (rt?.ingestTask) rt.offer(camera, payload);
  }

  /** A frame the old plan received but never entered: the new plan's intake takes it, if this worker still ingests. */
  #inherit(camera: string, payload: Uint8Array): void {
    if (this.#recovery.ready.holding || this.#runtime?.ingestTask) return this.#onFrame('', payload, camera);
    this.#error('frame-dropped', `camera ${camera}: a frame waiting at the plan change is dropped: this worker is no longer the data source`, { camera });
  }

  #error(code: ErrorCode, message: string, extra: ErrorExtra = {}): void {
    this.#errors.report(code, message, extra);
  }

  #tick(): void {
    this.#runtime?.sweep();
    const stats = workerStats(this.id, this.#plan?.planId ?? null, this.counters, this.#runtime);
    if (!this.#stats.due(stats, Date.now())) return;
    void this.#ctx.topics.publish(this.#ctx.transport, this.#ctx.topics.workerStats(this.id), stats).catch(() => undefined);
  }
}
