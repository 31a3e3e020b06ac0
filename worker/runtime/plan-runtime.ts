/**
 * One worker's part of one plan: the scheduler. Pieces are buffered per frame, each task runs when
 * its pieces are in (one at a time: compute is single-threaded, oldest frame first), local consumers
 * get their pieces directly and the rest is published once, without waiting for the broker
 * (DESIGN.md "Data plane"). As the data source it admits a bounded number of frames per camera
 * (issue 13 §3: frames finish one by one at the slowest stage's pace). One task runs in
 * task-runner.ts; what a task does is in worker/tasks/: ingest (decode, letterbox), run-task (any
 * task's program), head (NMS, predictions).
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { PieceDoc, TaskDoc } from '../../shared/plan/types.ts';
import { WeightStore } from '../weight-store.ts';
import { CompiledTasks } from '../tasks/compiled.ts';
import { IngestTask, type PreparedFrame } from '../tasks/ingest.ts';
import { FrameBuffers } from './frames.ts';
import { pieceConsumers } from '../../shared/plan/footprint.ts';
import { Outbox } from './outbox.ts';
import { PieceInbox } from './piece-inbox.ts';
import { TaskQueue } from './task-queue.ts';
import { TaskRunner } from './task-runner.ts';
import { SourceFrames } from './source-frames.ts';
import { combinedLoad, expireFrames } from './runtime-reports.ts';
import type { Stealer } from './steal.ts';
import { runtimeStealer, type StolenTask } from './steal-hooks.ts';
import type { PlanRuntimeContext } from './runtime-context.ts';
import type { FrameMeta } from '../tasks/frame-meta.ts';

export type { PlanRuntimeContext, RuntimeObserver } from './runtime-context.ts';

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
  readonly #runner: TaskRunner;
  readonly #outbox: Outbox;
  readonly #inbox: PieceInbox;
  readonly #ingest: IngestTask | undefined;
  readonly #queue = new TaskQueue();
  readonly #source: SourceFrames;
  readonly #stealer: Stealer | undefined;
  /** Tiles granted by another worker, run before this worker's own queue (their frame waits on them). */
  readonly #stolen: StolenTask[] = [];
  #running = false;
  #stopped = false;

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
      failed: (topic, e) => ctx.error('publish-failed', `${topic}: ${e.message}`),
      expirySeconds: Math.max(1, Math.ceil(ctx.deadlineMs / 1000)), // older than the deadline: useless, MQTT 5 drops it
    });
    const frames = { has: (f: number) => this.#buffers.has(f), size: () => this.#buffers.size }; // piece-check.ts bounds open frames
    this.#inbox = new PieceInbox({ ...ctx, frames, deliver: (frame, piece, data) => this.#deliver(frame, piece, data), arrived: (t, b) => ctx.observe?.arrived?.(t, b) });
    this.#source = new SourceFrames({ ...ctx, start: (frame) => this.#start(frame), left: (camera) => this.#ingest?.done(camera) });
    this.#compiled = new CompiledTasks({ model: ctx.model, pieces: this.#pieces, engine: ctx.engine, weightsFor: (t, use) => this.#store.get(t, use) });
    this.#runner = new TaskRunner({
      ...ctx, pieces: this.#pieces, compiled: this.#compiled, buffers: this.#buffers, source: this.#source, outbox: this.#outbox, now: this.#now,
      local: (id) => this.#users.get(id)?.has(ctx.worker) === true, deliver: (f, id, d) => this.#deliver(f, id, d),
      stopped: () => this.#stopped, stolenRan: () => this.#stealer?.ran(),
    });
    this.#ingest = this.ingestTask && new IngestTask({ ...ctx, open: () => !this.#stopped, enter: (frame, p) => this.enter(frame, p) });
    this.#stealer = ctx.steal !== true ? undefined : runtimeStealer({
      transport: ctx.transport, topics: ctx.topics, plan: ctx.plan, worker: ctx.worker, pieces: this.#pieces, users: this.#users,
      runtime: {
        busy: () => this.#running, queue: this.#queue, buffers: this.#buffers, stolen: this.#stolen, error: ctx.error,
        pump: () => void this.#pump(), deliver: (f, id, d) => this.#deliver(f, id, d),
      },
    });
  }

  /** Work stealing counters (worker/runtime/steal.ts), when this worker steals in this plan. */
  get stealStats() { return this.#stealer?.stats; }

  get weightBytes(): number { return this.#store.bytes; }
  get outboxStats() { return this.#outbox.stats; }
  get receivedBytes(): number { return this.#inbox.receivedBytes; }
  get framesInFlight(): number { return this.#buffers.size; }
  /** A task is running or queued. */
  get busy(): boolean { return this.#running || this.#queue.size > 0 || this.#stolen.length > 0; }
  get ingestTask(): TaskDoc | undefined { return this.#tasks.find((t) => t.kind === 'ingest'); }

  /** Subscribe to every remote piece this worker's tasks need. */
  async start(): Promise<void> {
    await this.#inbox.open(this.#tasks, this.#pieces);
    await this.#stealer?.start();
    // Compile now, not on the first frame: after a fault that frame is already late (issue 14 §1), and
    // the data source waits for this worker's adoption (plan-barrier.ts), which then includes it.
    await Promise.allSettled(this.#tasks.map((t) => this.#compiled.get(t)));
  }

  /** Stop taking work and hand over the frames owed an answer (SourceFrames.abandon) and those not yet entered; `stop()` then reports none. */
  abandon(heir?: (camera: string, payload: Uint8Array) => void): { meta: FrameMeta; input?: Tensor3 }[] {
    this.#stopped = true;
    // Frames not yet numbered (waiting undecoded, or decoding) go to the next plan's intake.
    if (heir) this.#ingest?.handOver(heir);
    return this.#source.abandon();
  }

  /** Stop; frames still in flight are reported (a re-plan must not lose them silently). */
  async stop(reason = 'plan replaced'): Promise<void> {
    this.#stopped = true;
    this.#ingest?.stop(reason);
    this.#source.stop(reason);
    await this.#inbox.close();
    await this.#stealer?.stop();
    this.#stolen.length = 0;
    this.#buffers.clear();
    this.#queue.clear();
    await this.#compiled.dispose();
  }

  /** A camera payload (data source): the ingest task decodes it and enters it in arrival order. */
  offer(camera: string, payload: Uint8Array): void {
    if (!this.#stopped) this.#ingest?.offer(camera, payload);
  }

  /** Enter a decoded frame (data source), run once its camera has room. */
  enter(frame: number, { meta, input }: PreparedFrame): boolean {
    return this.reenter({ ...meta, frame }, input);
  }

  /** Enter a numbered frame: a new one, or one re-run from an earlier plan with its number and capture time. */
  reenter(meta: FrameMeta, input: Tensor3): boolean {
    if (!this.ingestTask || this.#stopped) return false;
    this.#ctx.entered?.(meta, input);
    this.#source.offer(meta, input);
    return true;
  }

  /** Frames of `camera` admitted and not yet finished, and those waiting (data source). */
  cameraLoad(camera: string): { inFlight: number; waiting: number } {
    return combinedLoad(this.#source.load(camera), this.#ingest?.load(camera));
  }

  #start(frame: number): void {
    const task = this.ingestTask!;
    this.#buffers.start(frame, task.id);
    this.#queue.push(frame, task);
    void this.#pump();
  }

  #deliver(frame: number, piece: string, data: Tensor3): void {
    if (this.#stopped) return;
    const meta = this.#source.meta(frame);
    if (meta) meta.stages.set(this.#pieces.get(piece)?.stage ?? '?', this.#now() - meta.t0);
    const seen = this.#ctx.observe?.received?.(frame, piece, data) ?? data;
    for (const task of this.#buffers.add(frame, piece, seen)) {
      this.#buffers.start(frame, task.id);
      this.#queue.push(frame, task);
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    let last: number | undefined;
    try {
      for (let next = this.#next(); next && !this.#stopped; next = this.#next()) {
        last = next.frame;
        await this.#runner.run(next);
        // Let arrived pieces in between tasks, so an older frame's newly ready task goes first.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.#running = false;
    }
    // The queue ran dry: an idle worker asks for a waiting tile (work stealing).
    if (last !== undefined && !this.#stopped) this.#stealer?.idle(last);
  }

  #next(): StolenTask | undefined {
    return this.#stolen.shift() ?? this.#queue.shift();
  }

  /** Drop the frames that missed the deadline (runtime-reports.ts) and the stale partial pieces. */
  sweep(): void {
    this.#inbox.sweep();
    expireFrames({ ...this.#ctx, buffers: this.#buffers, source: this.#source, senderOf: (id) => this.#pieces.get(id)?.worker });
  }
}
