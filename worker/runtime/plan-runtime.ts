/**
 * One worker's part of one plan: subscribe to exactly the pieces its tasks need, buffer them per
 * frame, run each task when its pieces are in (one at a time: compute is single-threaded, oldest
 * frame first), hand local consumers their pieces directly and publish the rest once, without
 * waiting for the broker (DESIGN.md "Data plane"). As the data source it admits a bounded number
 * of frames per camera (issue 13 §3: frames finish one by one at the slowest stage's pace).
 */
import type { Model, Weights } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { Transport, Unsubscribe } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { Logger } from '../../shared/log.ts';
import type { PieceDoc, PlanDoc, TaskDoc } from '../../shared/plan/types.ts';
import { decodeTensorMessage } from '../../shared/wire/tensor-codec.ts';
import { ChunkAssembler } from '../../shared/wire/chunk-assembler.ts';
import { WeightStore } from '../weight-store.ts';
import { runTask } from '../tasks/run-task.ts';
import { CompiledTasks } from '../tasks/compiled.ts';
import type { Engine } from '../engine/engine.ts';
import { FrameBuffers } from './frames.ts';
import { pieceConsumers } from '../../shared/plan/footprint.ts';
import { Outbox, pieceTopic } from './outbox.ts';
import type { FrameMeta } from './frame-meta.ts';
import type { ErrorCode } from '../../shared/wire/error-codes.ts';
import { TaskQueue } from './task-queue.ts';
import { FrameGate } from './frame-gate.ts';

/**
 * Frames of one camera waiting for admission beyond those in flight; past this the oldest waiting
 * one is dropped and reported. 32 decoded frames of 608×608 are ~150 MB: a burst of a few seconds
 * of a camera is absorbed, a camera that is always faster than the cluster is not.
 */
const MAX_WAITING_FRAMES = 32;

export interface RuntimeReport {
  error(code: ErrorCode, message: string, extra?: { frame?: number; task?: string; camera?: string }): void;
  /** Head output of a frame (data source only). */
  gathered(meta: FrameMeta, outputs: Map<number, Tensor3>): Promise<void>;
}

export interface PlanRuntimeContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly plan: PlanDoc;
  readonly model: Model;
  readonly weights: Weights;
  readonly worker: string;
  readonly log: Logger;
  readonly report: RuntimeReport;
  readonly deadlineMs: number;
  /** Frames per camera the data source runs at once (default 2); later ones wait, oldest first. */
  readonly framesInFlight?: number;
  readonly now?: () => number;
  /** Compiles this worker's tasks (tfjs or ONNX Runtime). */
  readonly engine: Engine;
}

export class PlanRuntime {
  readonly #ctx: PlanRuntimeContext;
  readonly #now: () => number;
  readonly #tasks: TaskDoc[];
  readonly #pieces: Map<string, PieceDoc>;
  /** Consuming workers per piece (and how many of their tasks use it). */
  readonly #users: Map<string, Map<string, number>>;
  readonly #buffers: FrameBuffers;
  readonly #store: WeightStore;
  readonly #compiled: CompiledTasks;
  readonly #outbox: Outbox;
  readonly #chunks = new ChunkAssembler({ timeoutMs: 30_000 });
  readonly #queue = new TaskQueue();
  readonly #gate: FrameGate<{ meta: FrameMeta; input: Tensor3 }>;
  readonly #meta = new Map<number, FrameMeta>();
  /** Preprocessed frames waiting for their ingest task. */
  readonly #inputs = new Map<number, Tensor3>();
  readonly #unsubs: Unsubscribe[] = [];
  #running = false;
  #stopped = false;
  receivedBytes = 0;

  constructor(ctx: PlanRuntimeContext) {
    this.#ctx = ctx;
    this.#now = ctx.now ?? (() => performance.now());
    this.#tasks = ctx.plan.stages.flatMap((s) => s.tasks).filter((t) => t.worker === ctx.worker);
    this.#pieces = new Map(ctx.plan.pieces.map((p) => [p.id, p]));
    this.#users = pieceConsumers(ctx.plan);
    this.#buffers = new FrameBuffers({ tasks: this.#tasks, now: this.#now });
    this.#store = new WeightStore({ model: ctx.model, plan: ctx.plan, worker: ctx.worker, weights: ctx.weights });
    this.#outbox = new Outbox({
      transport: ctx.transport, topics: ctx.topics, plan: ctx.plan, remote: (id) => [...(this.#users.get(id)?.keys() ?? [])].some((w) => w !== ctx.worker),
      failed: (topic, e) => ctx.report.error('publish-failed', `${topic}: ${e.message}`),
    });
    this.#gate = new FrameGate({
      limit: Math.max(1, ctx.framesInFlight ?? 2), maxWaiting: MAX_WAITING_FRAMES, admit: ({ meta, input }) => this.#admit(meta, input),
      dropped: ({ meta }, cam) => ctx.report.error('frame-dropped', `camera ${cam}: frame ${meta.frame} dropped: more than ${MAX_WAITING_FRAMES} frames wait behind the ${ctx.framesInFlight ?? 2} in flight`, { frame: meta.frame, camera: cam }),
    });
    this.#compiled = new CompiledTasks({ model: ctx.model, pieces: this.#pieces, engine: ctx.engine, weightsFor: (t, use) => this.#store.get(t, use) });
  }

  get weightBytes(): number { return this.#store.bytes; }
  get outboxStats() { return this.#outbox.stats; }
  get framesInFlight(): number { return this.#buffers.size; }
  get ingestTask(): TaskDoc | undefined { return this.#tasks.find((t) => t.kind === 'ingest'); }

  /** Subscribe to every remote piece this worker's tasks need. */
  async start(): Promise<void> {
    const remote = new Set(this.#tasks.flatMap((t) => t.needs.flatMap((n) => n.pieces)).filter((id) => this.#pieces.get(id)!.worker !== this.#ctx.worker));
    for (const id of remote) {
      const topic = pieceTopic(this.#ctx.topics, this.#pieces.get(id)!);
      this.#unsubs.push(await this.#ctx.transport.subscribe(topic, (t, payload) => this.#onMessage(t, payload)));
    }
    // Compile now, not on the first frame: after a fault that frame is already late (issue 14 §1), and
    // the data source waits for this worker's adoption (plan-barrier.ts), which then includes it.
    await Promise.allSettled(this.#tasks.map((t) => this.#compiled.get(t)));
  }

  /**
   * Stop taking work and hand over the frames this data source still owes an answer, oldest first
   * (waiting ones with their input), for the caller to re-run on the next plan (worker/rerun.ts);
   * `stop()` then reports none of them.
   */
  abandon(): { meta: FrameMeta; input?: Tensor3 }[] {
    this.#stopped = true;
    const waiting = this.#gate.clear();
    const out: { meta: FrameMeta; input?: Tensor3 }[] = [...this.#meta.values()].map((meta) => ({ meta }));
    out.push(...waiting);
    this.#meta.clear();
    return out.sort((a, b) => a.meta.frame - b.meta.frame);
  }

  /** Stop; frames still in flight are reported (a re-plan must not lose them silently). */
  async stop(reason = 'plan replaced'): Promise<void> {
    this.#stopped = true;
    for (const { meta } of this.#gate.clear()) this.#meta.set(meta.frame, meta);
    for (const [frame, meta] of this.#meta) this.#ctx.report.error('frame-dropped', `frame ${frame}: dropped in flight: ${reason}`, { frame, camera: meta.camera });
    this.#meta.clear();
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
    this.#buffers.clear();
    this.#queue.clear();
    await this.#compiled.dispose();
  }

  #onMessage(topic: string, payload: Uint8Array): void {
    this.receivedBytes += payload.length;
    const whole = this.#chunks.push(topic, payload);
    if (whole.kind === 'pending') return;
    if (whole.kind === 'error') return this.#ctx.report.error('bad-piece', `${topic}: ${whole.error.message}`);
    const r = decodeTensorMessage(whole.payload, { source: topic });
    if (!r.ok) return this.#ctx.report.error('bad-piece', r.error.message);
    if (r.header.plan !== this.#ctx.plan.planId) return this.#ctx.log.debug(`${topic}: frame ${r.header.frame} of an older plan dropped`);
    const shape = { h: r.header.shape[0], w: r.header.shape[1], c: r.header.shape[2] };
    this.#deliver(r.header.frame, r.header.piece, { shape, data: r.data });
  }

  /** Run the ingest task on a preprocessed frame (data source), once its camera has room. */
  ingest(meta: FrameMeta, input: Tensor3): void {
    if (!this.ingestTask || this.#stopped) return;
    this.#gate.offer(meta.camera, { meta, input });
  }

  /** Frames of `camera` admitted and not yet finished, and those waiting (data source). */
  cameraLoad(camera: string): { inFlight: number; waiting: number } {
    return { inFlight: this.#gate.inFlight(camera), waiting: this.#gate.waiting(camera) };
  }

  #admit(meta: FrameMeta, input: Tensor3): void {
    const task = this.ingestTask!;
    this.#meta.set(meta.frame, meta);
    this.#buffers.start(meta.frame, task.id);
    this.#queue.push(meta.frame, task);
    this.#inputs.set(meta.frame, input);
    void this.#pump();
  }

  #deliver(frame: number, piece: string, data: Tensor3): void {
    if (this.#stopped) return;
    const meta = this.#meta.get(frame);
    if (meta) meta.stages.set(this.#pieces.get(piece)?.stage ?? '?', this.#now() - meta.t0);
    for (const task of this.#buffers.add(frame, piece, data)) {
      this.#buffers.start(frame, task.id);
      this.#queue.push(frame, task);
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let next = this.#queue.shift(); next && !this.#stopped; next = this.#queue.shift()) {
        await this.#runOne(next);
        // Let arrived pieces in between tasks, so an older frame's newly ready task goes first.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.#running = false;
    }
  }

  async #runOne({ frame, task }: { frame: number; task: TaskDoc }): Promise<void> {
    const entry = this.#buffers.entry(frame);
    const input = task.kind === 'ingest' ? this.#inputs.get(frame) : undefined;
    if (input) this.#inputs.delete(frame);
    try {
      const r = await runTask({ pieces: this.#pieces, tasks: this.#compiled }, task, entry.pieces, input);
      const meta = this.#meta.get(frame);
      for (const [id, data] of r.outputs) {
        if (this.#users.get(id)?.has(this.#ctx.worker)) this.#deliver(frame, id, data);
        await this.#outbox.send(frame, this.#pieces.get(id)!, data, meta?.frameTime ?? Date.now());
      }
      // Stopped meanwhile: the frame was handed over (re-run) or reported; a late answer would be a second one.
      if (this.#stopped) return;
      if (task.kind === 'head' && meta) {
        meta.stages.set(task.stage, this.#now() - meta.t0);
        this.#frameDone(frame);
        await this.#ctx.report.gathered(meta, r.gathered);
      }
    } catch (e) {
      if (this.#stopped) return;
      const camera = this.#meta.get(frame)?.camera;
      if (task.kind === 'head') this.#frameDone(frame);
      this.#ctx.report.error('task-failed', `frame ${frame}: task ${task.id}: ${(e as Error).message}`, { frame, task: task.id, ...(camera ? { camera } : {}) });
    }
    this.#buffers.finish(frame, task.id);
  }

  /** The frame left the data source (head done, failed or expired): its camera may admit the next. */
  #frameDone(frame: number): void {
    const meta = this.#meta.get(frame);
    if (!meta) return;
    this.#meta.delete(frame);
    this.#gate.done(meta.camera);
  }

  /**
   * Drop frames that missed the deadline, naming the missing pieces and their workers: one error per
   * frame, from the data source that owes the frame its answer (issue 14: one per stalled task on
   * every worker made an error storm); other workers only log theirs.
   */
  sweep(): void {
    this.#chunks.sweep();
    for (const { frame, stalled } of this.#buffers.expire(this.#ctx.deadlineMs)) {
      const meta = this.#meta.get(frame);
      this.#frameDone(frame);
      const missing = [...new Set(stalled.flatMap((s) => s.missing))].map((id) => `${id} (from ${this.#pieces.get(id)?.worker ?? '?'})`);
      const text = `frame ${frame}: ${stalled.length} task(s) (${stalled.map((s) => s.task.id).slice(0, 3).join(', ')}${stalled.length > 3 ? ', …' : ''}) missed the ${this.#ctx.deadlineMs} ms deadline; missing pieces: ${missing.slice(0, 6).join(', ') || 'none (never started)'}${missing.length > 6 ? ` and ${missing.length - 6} more` : ''}`;
      if (meta) this.#ctx.report.error('deadline', text, { frame, camera: meta.camera });
      else this.#ctx.log.warn(`deadline: ${text}`);
    }
  }
}
