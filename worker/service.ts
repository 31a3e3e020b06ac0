/**
 * The worker process (DESIGN.md "Data plane"): announces itself (retained info, state with a Last
 * Will set by whoever connected the transport), follows the retained plan, and runs its tasks.
 * A plan it can't honour (other model, not enough memory) is refused on the errors topic: it never
 * half-runs. Bad input anywhere becomes an error message, and the worker keeps running.
 */
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Tensor3 } from '../shared/tensor.ts';
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { ErrorCode, ErrorMessage, WorkerInfo, WorkerStats } from '../shared/wire/messages.ts';
import { logger, type Logger } from '../shared/log.ts';
import type { PlanDoc, TaskDoc } from '../shared/plan/types.ts';
import { PLAN_VERSION } from '../shared/plan/types.ts';
import { toModelInput } from './engine/image.ts';
import { PlanRuntime } from './runtime/plan-runtime.ts';
import { decodeCameraPayload } from './runtime/frame-input.ts';
import { predictionsMessage, snapshotJpeg } from './runtime/head-output.ts';
import type { FrameMeta } from './runtime/frame-meta.ts';
import { checkPlanFits } from './runtime/admission.ts';
import type { DecodeOptions } from './head/types.ts';
import type { NmsMode } from './head/nms.ts';
import type { Engine } from './engine/engine.ts';
import { tfjsEngine } from './engine/tfjs-engine.ts';
import { CameraTrackers } from '../shared/events/camera-trackers.ts';
import { StatsGate } from './stats-gate.ts';
import { RetainedFrames } from './runtime/retained-frames.ts';
import { rerunFrames } from './runtime/rerun.ts';
import { PlanAdoptions } from './runtime/plan-barrier.ts';

export interface WorkerContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly info: WorkerInfo;
  /** Load (and cache) the model a plan names; must give the model the plan was made for. */
  readonly loadModel: (m: PlanDoc['model']) => Promise<{ model: Model; weights: Weights; hash: string; weightsSource?: 'file' | 'synthetic' }>;
  readonly deadlineMs?: number;
  /** Frames per camera in flight at once when this worker is the data source (default 2). */
  readonly framesInFlight?: number;
  readonly maxFrameBytes?: number;
  readonly snapshotQuality?: number;
  /** Detection threshold / NMS options of the head (default: the model's). */
  readonly decode?: DecodeOptions;
  /** Per camera (config `cameras.<name>`): its threshold, NMS and snapshot quality (0 = none) win over the above. */
  readonly cameras?: ReadonlyMap<string, { threshold?: number; nms?: NmsMode; snapshotQuality: number }>;
  /** How often the runtime is swept and stats are considered (default 1 s). */
  readonly statsIntervalMs?: number;
  /** Unchanged stats go out this often (default 10 s); changed ones at the next sweep. */
  readonly statsHeartbeatMs?: number;
  /** Per plan stage latencies in predictions (`--debug`), besides the per kind ones. */
  readonly latencyDetail?: boolean;
  /** Extra input topics (any MQTT topic, e.g. a Frigate or ESP32-CAM one) → camera name. */
  readonly cameraTopics?: ReadonlyMap<string, string>;
  readonly log?: Logger;
  /** Compiles and runs the tasks (default tfjs). */
  readonly engine?: Engine;
  /** Inputs of the last K frames per camera kept to re-run them after a fault (default 4, issue 14 §1). */
  readonly retainFrames?: number;
}

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
  readonly #trackers = new CameraTrackers();
  readonly #fps = new Map<string, number[]>();
  /** Per camera: the last frame's hand-over to the runtime, so frames enter in arrival order. */
  readonly #arrivals = new Map<string, Promise<void>>();
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;
  #planChain: Promise<void> = Promise.resolve();
  readonly counters = { frames: 0, badFrames: 0, oversizeFrames: 0, predictions: 0, errors: 0 };
  readonly #retained: RetainedFrames;
  /** Frames wait here until the other workers of a new plan listen (runtime/plan-barrier.ts). */
  #ready: Promise<void> = Promise.resolve();
  #offConnect: (() => void) | undefined;
  readonly #adoptions = new PlanAdoptions();

  constructor(ctx: WorkerContext) {
    this.#ctx = ctx;
    this.#retained = new RetainedFrames({ perCamera: ctx.retainFrames });
    this.#log = ctx.log ?? logger(`worker ${ctx.info.id}`);
    this.#stats = new StatsGate(ctx.statsHeartbeatMs);
  }

  get plan(): PlanDoc | undefined { return this.#plan; }
  get id(): string { return this.#ctx.info.id; }
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
    this.#unsubs.push(await t.subscribe(topics.cameraFrame('+'), (topic, payload) => this.#onFrame(topic, payload)));
    for (const [topic, camera] of this.#ctx.cameraTopics ?? []) this.#unsubs.push(await t.subscribe(topic, (_t, payload) => this.#onFrame(topic, payload, camera)));
    // The planner answers `restart-worker`; the worker named in it rebuilds its runtime.
    this.#unsubs.push(await topics.subscribe(t, topics.bridgeRequest('restart-worker'), (m) => {
      if (!m.retain && m.payload.ok && m.payload.value.id === this.id) this.#planChain = this.#planChain.then(() => this.#restart());
    }));
    this.#unsubs.push(await this.#adoptions.start({ transport: t, topics }));
    this.#offConnect = t.on('connect', () => this.#reconnected());
    this.#timer = setInterval(() => this.#tick(), this.#ctx.statsIntervalMs ?? 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#offConnect?.();
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
    if (payload.length === 0) return this.#adopt(undefined);
    let plan: PlanDoc;
    try {
      plan = JSON.parse(Buffer.from(payload).toString('utf8')) as PlanDoc;
    } catch (e) {
      return this.#error('bad-plan', `plan is not JSON: ${(e as Error).message}`);
    }
    if (plan.version !== PLAN_VERSION || !Array.isArray(plan.stages) || !Array.isArray(plan.pieces)) {
      return this.#error('bad-plan', `plan ${String(plan.planId)}: version ${String(plan.version)} or structure not understood (expected version ${PLAN_VERSION})`);
    }
    if (plan.planId === this.#plan?.planId) return;
    const mine = plan.stages.some((s) => s.tasks.some((t: TaskDoc) => t.worker === this.id));
    if (!mine) return this.#adopt(plan);
    if (plan.dataSource === this.id) this.#pending = plan; // frames from now on are this plan's, not dropped in silence
    const adoption = plan.dataSource === this.id ? { wait: () => this.#adoptions.wait(plan, this.id) } : undefined;
    const { model, weights, hash, weightsSource } = await this.#ctx.loadModel(plan.model);
    this.#weightsSource = weightsSource;
    if (hash !== plan.model.hash) {
      return this.#error('plan-refused', `plan ${plan.planId} is for model ${plan.model.name} (hash ${plan.model.hash}); this worker loaded hash ${hash}`);
    }
    const refusal = checkPlanFits({ plan, model, worker: this.id, memoryBytes: this.#ctx.info.memoryBytes });
    if (refusal) return this.#error('plan-refused', refusal);
    this.#model = model;
    await this.#adopt(plan, weights, adoption);
  }

  /**
   * Replace the runtime. The frames the old one still owed an answer are re-run on the new plan
   * when this worker is its data source (issue 14 §1), after the others listen (`adoption`);
   * otherwise, or with `drop` (broker lost: its pieces are gone), each is reported dropped.
   */
  async #adopt(plan: PlanDoc | undefined, weights?: Weights, adoption?: { wait: () => Promise<{ waitedMs: number; missing: string[] }> }, drop?: string): Promise<void> {
    this.#weights = weights;
    // Frames arriving while the runtime is swapped wait for the new one (and its re-runs).
    let opened!: (p: Promise<void>) => void;
    this.#ready = new Promise<void>((r) => { opened = (p) => r(p); });
    const old = this.#plan?.planId;
    const left = drop ? [] : this.#runtime?.abandon() ?? [];
    await this.#runtime?.stop(drop ?? (plan ? 'plan replaced' : 'restart or plan withdrawn'));
    this.#runtime = undefined;
    // The plan counts as adopted (stats, `plan` getter) only once its runtime listens.
    this.#plan = undefined;
    this.#pending = plan;
    const reason = `plan ${old ?? '?'} ${plan ? `replaced by ${plan.planId}` : 'withdrawn'}`;
    const rerun = (ingest?: PlanRuntime['ingest']) => {
      const n = rerunFrames({ left, retained: this.#retained, ingest, reason, error: (code, message, extra) => this.#error(code, message, extra) });
      if (n) this.#log.info(`${reason}: ${n} frame(s) in flight re-run`);
    };
    if (!plan || !weights || !this.#model) {
      this.#plan = plan;
      rerun(undefined);
      return opened(Promise.resolve());
    }
    const rt = new PlanRuntime({
      transport: this.#ctx.transport, topics: this.#ctx.topics, plan, model: this.#model, weights, worker: this.id,
      log: this.#log, deadlineMs: this.#ctx.deadlineMs ?? 30_000, framesInFlight: this.#ctx.framesInFlight,
      engine: this.#ctx.engine ?? tfjsEngine,
      report: { error: (code, message, extra) => this.#error(code, message, extra), gathered: (meta, out) => { this.#retained.release(meta.frame); return this.#publishPredictions(meta, out); } },
    });
    await rt.start().catch((e: Error) => {
      rerun(undefined);
      opened(Promise.resolve());
      throw e;
    });
    this.#runtime = rt;
    this.#plan = plan;
    this.#pending = undefined;
    this.#tick(); // stats name the new plan at once: the data source waits for them (runtime/plan-barrier.ts)
    const ingest = rt.ingestTask ? rt.ingest.bind(rt) : undefined;
    const ready = adoption?.wait().then(({ waitedMs, missing }) => {
      if (missing.length) this.#log.warn(`plan ${plan.planId}: ${missing.join(', ')} not confirmed after ${waitedMs} ms; frames go ahead`);
    });
    opened((ready ?? Promise.resolve()).then(() => rerun(ingest)));
    const synthetic = this.#weightsSource === 'synthetic' ? ' (weights: synthetic (no --weights))' : '';
    this.#log.info(`plan ${plan.planId}: ${plan.stages.flatMap((s) => s.tasks).filter((t) => t.worker === this.id).length} tasks, ${(rt.weightBytes / 1e6).toFixed(1)} MB of weights${synthetic}`);
  }

  async #restart(drop?: string): Promise<void> {
    const plan = this.#plan;
    this.#log.info(drop ? `runtime restart: ${drop}` : 'restart requested');
    const weights = this.#weights;
    await this.#adopt(undefined, undefined, undefined, drop);
    if (plan) await this.#adopt(plan, weights);
  }

  /**
   * Back from a broker outage (issue 14 §1): the broker may have lost the retained announcements
   * (Mosquitto without persistence), so announce again; pieces in flight died with the connection,
   * so every worker restarts its runtime and the data source reports those frames dropped.
   */
  #reconnected(): void {
    const { transport: t, topics, info } = this.#ctx;
    void topics.publish(t, topics.workerInfo(info.id), info, { qos: 1 })
      .then(() => topics.publish(t, topics.workerState(info.id), 'online', { qos: 1 }))
      .catch((e: Error) => this.#log.warn(`cannot announce again after reconnecting: ${e.message}`));
    if (this.#plan) this.#planChain = this.#planChain.then(() => this.#restart('the broker connection was lost; the camera resends')).catch((e: Error) => this.#error('plan-failed', e.message));
  }

  #onFrame(topic: string, payload: Uint8Array, configured?: string): void {
    const rt = this.#runtime;
    const camera = configured ?? this.#ctx.topics.parse(topic)?.params.cam ?? 'unknown';
    // While a plan making this worker the data source is adopted, frames wait for its runtime.
    const loading = this.#pending?.dataSource === this.id ? this.#pending : undefined;
    if (!rt?.ingestTask && !loading) return;
    if (!this.#model) return this.#error('not-ready', `camera ${camera}: frame dropped while plan ${loading?.planId ?? '?'} loads`, { camera });
    const limit = this.#ctx.maxFrameBytes ?? 16 * 1024 * 1024;
    if (payload.length > limit) {
      this.counters.oversizeFrames++;
      return this.#error('frame-too-large', `camera ${camera}: frame of ${payload.length} bytes exceeds the limit of ${limit} bytes`, { camera });
    }
    // Decodes run in parallel (sharp works off the event loop); frames still enter in arrival order per camera.
    const decoded = this.#decode(camera, payload);
    const prev = this.#arrivals.get(camera) ?? Promise.resolve();
    const next = prev.then(async () => this.#ingest(camera, await decoded));
    this.#arrivals.set(camera, next);
    void next.finally(() => { if (this.#arrivals.get(camera) === next) this.#arrivals.delete(camera); });
  }

  /** Decode and preprocess a camera payload; undefined (reported) when it is not a usable frame. */
  async #decode(camera: string, payload: Uint8Array): Promise<{ meta: Omit<FrameMeta, 'frame'>; input: Tensor3 } | undefined> {
    const t0 = performance.now(), frameTime = Date.now();
    try {
      const image = await decodeCameraPayload(payload);
      const prepared = toModelInput(image, this.#model!.input, this.#model!.preprocess);
      return { meta: { camera, width: image.width, height: image.height, transform: prepared.transform, frameTime, t0, stages: new Map(), image }, input: prepared.tensor };
    } catch (e) {
      this.counters.badFrames++;
      this.#error('bad-frame', `camera ${camera}: ${(e as Error).message}`, { camera });
      return undefined;
    }
  }

  async #ingest(camera: string, frame: { meta: Omit<FrameMeta, 'frame'>; input: Tensor3 } | undefined): Promise<void> {
    if (!frame) return;
    await this.#ready; // after a re-plan: the frames re-run go first, once the other workers listen
    const now = this.#runtime?.ingestTask ? this.#runtime : undefined;
    if (!now) return this.#error('frame-dropped', `camera ${camera}: frame dropped: the plan changed while it was decoded and this worker is no longer the data source`, { camera });
    this.counters.frames++;
    const meta = { ...frame.meta, frame: ++this.#frame };
    this.#retained.keep(meta, frame.input);
    now.ingest(meta, frame.input);
  }

  async #publishPredictions(meta: FrameMeta, outputs: Map<number, Tensor3>): Promise<void> {
    const { transport: t, topics } = this.#ctx;
    const cam = this.#ctx.cameras?.get(meta.camera);
    const decode = { ...this.#ctx.decode, ...(cam?.threshold === undefined ? {} : { threshold: cam.threshold }), ...(cam?.nms ? { nms: cam.nms } : {}) };
    const msg = predictionsMessage({ model: this.#model!, plan: this.#plan!, meta, outputs, now: performance.now(), decode, detail: this.#ctx.latencyDetail });
    const recent = [...(this.#fps.get(meta.camera) ?? []), Date.now()].filter((x) => Date.now() - x < 10_000);
    this.#fps.set(meta.camera, recent);
    const weights = this.#weightsSource === 'synthetic' ? { weights: 'synthetic' as const } : {};
    await topics.publish(t, topics.cameraPredictions(meta.camera), { ...msg, ...weights, ...(meta.rerun ? { rerun: meta.rerun } : {}), fps: Math.round((recent.length / 10) * 100) / 100 });
    this.counters.predictions++;
    if (msg.detections) {
      const events = this.#trackers.update(meta.camera, { frameTime: msg.frameTime, width: msg.width, height: msg.height, detections: msg.detections });
      for (const ev of events) await topics.publish(t, topics.cameraEvents(meta.camera), ev);
    }
    const quality = cam ? cam.snapshotQuality : this.#ctx.snapshotQuality;
    const jpeg = quality ? await snapshotJpeg(meta, msg, quality) : undefined;
    if (jpeg) await topics.publish(t, topics.cameraSnapshot(meta.camera), jpeg, { retain: true });
  }

  #error(code: ErrorCode, message: string, extra: { frame?: number; task?: string; camera?: string } = {}): void {
    this.counters.errors++;
    if (extra.frame !== undefined) this.#retained.release(extra.frame);
    this.#log.warn(`${code}: ${message}`);
    const msg: ErrorMessage = { code, message, worker: this.id, time: Date.now(), ...extra };
    void this.#ctx.topics.publish(this.#ctx.transport, this.#ctx.topics.errors(), msg).catch((e: Error) => this.#log.error(`cannot publish error: ${e.message}`));
  }

  #tick(): void {
    this.#runtime?.sweep();
    const rt = this.#runtime;
    const stats: WorkerStats = {
      worker: this.id, plan: this.#plan?.planId ?? null, ...this.counters, framesInFlight: rt?.framesInFlight ?? 0,
      weightBytes: rt?.weightBytes ?? 0, publishedBytes: rt?.outboxStats.publishedBytes ?? 0, receivedBytes: rt?.receivedBytes ?? 0,
      messages: rt?.outboxStats.messages ?? 0, rssBytes: process.memoryUsage().rss, time: Date.now(),
    };
    if (!this.#stats.due(stats, Date.now())) return;
    void this.#ctx.topics.publish(this.#ctx.transport, this.#ctx.topics.workerStats(this.id), stats).catch(() => undefined);
  }
}
