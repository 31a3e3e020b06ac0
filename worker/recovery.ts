/**
 * A worker's side of "no frame lost to a fault" (issue 14 §1), beside the Worker (service.ts):
 * the inputs it keeps to re-run frames (runtime/retained-frames.ts), the other workers' adoption
 * of a plan (runtime/plan-barrier.ts), camera frames held while a plan is swapped in
 * (runtime/ready-gate.ts), and the return of the broker: announce again, restart the runtime.
 */
import type { Tensor3 } from '../shared/tensor.ts';
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { ErrorMessage, WorkerInfo } from '../shared/wire/messages.ts';
import type { Logger } from '../shared/log.ts';
import type { PlanDoc } from '../shared/plan/types.ts';
import type { FrameMeta } from './tasks/frame-meta.ts';
import type { HeadStep } from './tasks/head.ts';
import type { ReportError } from './tasks/report.ts';
import type { PlanRuntime } from './runtime/plan-runtime.ts';
import { RetainedFrames } from './runtime/retained-frames.ts';
import { rerunFrames } from './runtime/rerun.ts';
import { PlanAdoptions } from './runtime/plan-barrier.ts';
import { ReadyGate } from './runtime/ready-gate.ts';

export interface RecoveryContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly info: WorkerInfo;
  /** K: inputs kept per camera (default 4). */
  readonly retainFrames?: number;
  readonly log: Logger;
  readonly error: ReportError;
  /** Rebuild the runtime of the current plan, reporting its frames in flight dropped for `reason`. */
  readonly restart: (reason: string) => void;
}

/** How a plan is adopted (Worker.#adopt). */
export interface AdoptOptions {
  /** The data source waits for the other workers of the plan before it feeds it. */
  readonly others?: () => Promise<{ waitedMs: number; missing: string[] }>;
  /** Frames held meanwhile go on after the given promise (the re-runs first). */
  readonly release?: (after: Promise<void>) => void;
  /** Report the frames in flight dropped, with this reason, instead of re-running them. */
  readonly drop?: string;
}

export class FaultRecovery {
  readonly #ctx: RecoveryContext;
  readonly retained: RetainedFrames;
  readonly ready = new ReadyGate();
  readonly #adoptions = new PlanAdoptions();
  /** Errors about frames that could not be published (the broker was away): sent on its return. */
  readonly #unsent: ErrorMessage[] = [];

  constructor(ctx: RecoveryContext) {
    this.#ctx = ctx;
    this.retained = new RetainedFrames({ perCamera: ctx.retainFrames });
  }

  /** Follow the workers' stats and the transport's reconnects; resolves to the undo. */
  async start(): Promise<Unsubscribe> {
    const off = await this.#adoptions.start(this.#ctx);
    const offConnect = this.#ctx.transport.on('connect', () => this.#reconnected());
    return async () => { offConnect(); await off(); };
  }

  /** As the new data source: hold frames, and the wait for the other workers of `plan`. */
  holdFor(plan: PlanDoc): { release: (after: Promise<void>) => void; others: AdoptOptions['others'] } {
    return { release: this.ready.hold(), others: () => this.#adoptions.wait(plan, this.#ctx.info.id) };
  }

  /** Once `rt` runs (and the others, when `others`): re-run the frames `left` by the old plan. */
  rerunAfter(left: readonly { meta: FrameMeta; input?: Tensor3 }[], rt: PlanRuntime | undefined, reason: string, o: AdoptOptions): Promise<void> {
    const others = o.others?.().then(({ waitedMs, missing }) => {
      if (missing.length) this.#ctx.log.warn(`${reason}: ${missing.join(', ')} not confirmed after ${waitedMs} ms; frames go ahead`);
    });
    return (others ?? Promise.resolve()).then(() => {
      const ingest = rt?.ingestTask && ((m: FrameMeta, i: Tensor3) => rt.reenter(m, i));
      const n = rerunFrames({ left, retained: this.retained, ingest, reason, error: this.#ctx.error });
      if (n) this.#ctx.log.info(`${reason}: ${n} frame(s) in flight re-run`);
    });
  }

  /** An error naming a camera could not be published: keep it (bounded) for the broker's return. */
  unsent(msg: ErrorMessage): void {
    if (msg.camera !== undefined && this.#unsent.push(msg) > 256) this.#unsent.shift();
  }

  /** The head step, releasing the frame's retained input first (it is answered). */
  answered(step: HeadStep): HeadStep {
    return { run: (input) => { this.retained.release(input.meta.frame); return step.run(input); } };
  }

  /**
   * Back from a broker outage: the broker may have lost the retained announcements (Mosquitto
   * without persistence), so announce again; pieces in flight died with the connection, so the
   * runtime restarts and the data source reports those frames dropped.
   */
  #reconnected(): void {
    const { transport: t, topics, info } = this.#ctx;
    void topics.publish(t, topics.workerInfo(info.id), info, { qos: 1 })
      .then(() => topics.publish(t, topics.workerState(info.id), 'online', { qos: 1 }))
      .then(async () => { for (const m of this.#unsent.splice(0)) await topics.publish(t, topics.errors(), m, { qos: 1 }); })
      .catch((e: Error) => this.#ctx.log.warn(`cannot announce again after reconnecting: ${e.message}`));
    this.#ctx.restart('the broker connection was lost; the camera resends');
  }
}
