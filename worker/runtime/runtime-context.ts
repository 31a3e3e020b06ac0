/**
 * What a plan runtime (plan-runtime.ts) is given: the plan and this worker's part of it, the
 * transport, the engine, where errors and counts go, the host halves of ingest and head, and the
 * hooks through which the in-process cluster (worker/virtual-cluster.ts) measures a run.
 */
import type { Model, Weights } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { Transport } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { Logger } from '../../shared/log.ts';
import type { PlanDoc, TaskDoc } from '../../shared/plan/types.ts';
import type { HeadStep } from '../tasks/head.ts';
import type { FrameMeta } from '../tasks/frame-meta.ts';
import type { ReportError, TaskCounters } from '../tasks/report.ts';
import type { Engine } from '../engine/engine.ts';

/** Hooks of the in-process cluster (verify): see pieces as tasks receive them, and each task's peak. */
export interface RuntimeObserver {
  /** A whole message from another worker arrived (chunks joined), with its size. */
  arrived?(topic: string, bytes: number): void;
  /** A piece reached this worker (remote or local); may return a changed copy (verify's tamper test). */
  received?(frame: number, piece: string, data: Tensor3): Tensor3;
  ran?(frame: number, task: TaskDoc, peakBytes: number): void;
}

export interface PlanRuntimeContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly plan: PlanDoc;
  readonly model: Model;
  readonly weights: Weights;
  readonly worker: string;
  readonly log: Logger;
  readonly error: ReportError;
  readonly counters: TaskCounters;
  readonly deadlineMs: number;
  /** Frames per camera the data source runs at once (default 2); later ones wait, oldest first. */
  readonly framesInFlight?: number;
  /** Undecoded frames per camera that may wait behind those; a newer one replaces the oldest (default 2, issue 14 §5). */
  readonly queueDepth?: number;
  /** Bound of a camera payload at ingest (default MAX_FRAME_BYTES). */
  readonly maxFrameBytes?: number;
  /** The host half of the head task (data source); absent, the gathered maps go nowhere. */
  readonly head?: HeadStep;
  /** Stamp pieces with the frame's capture time (default true; verify counts the plan's own bytes). */
  readonly captureStamp?: boolean;
  readonly observe?: RuntimeObserver;
  /** A numbered frame entered (data source): the worker keeps its input to re-run it after a fault (issue 14 §1). */
  readonly entered?: (meta: FrameMeta, input: Tensor3) => void;
  readonly now?: () => number;
  /** Compiles this worker's tasks (tfjs or ONNX Runtime). */
  readonly engine: Engine;
  /** FTP work stealing (worker/runtime/steal.ts); the worker turns it on (config `workers.steal`), verify leaves it off. */
  readonly steal?: boolean;
}
