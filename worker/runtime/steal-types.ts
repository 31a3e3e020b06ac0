/**
 * The types work stealing (steal.ts) shares between its two sides, the victim (steal-victim.ts) and
 * the thief (steal-thief.ts), and with its worker's runtime (steal-hooks.ts).
 */
import type { Transport } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { PieceDoc, PlanDoc, TaskDoc } from '../../shared/plan/types.ts';
import type { ErrorCode } from '../../shared/wire/error-codes.ts';

/** What the stealer needs from its worker's runtime (worker/runtime/plan-runtime.ts). */
export interface StealHooks {
  /** The runtime is running a task (a queued tile would wait). */
  busy(): boolean;
  /** Remove and return the oldest queued, unstarted task of `stage`. */
  take(stage: string): { frame: number; task: TaskDoc } | undefined;
  /** The pieces a queued task of this worker needs, as received. */
  inputs(frame: number, task: TaskDoc): Map<string, Tensor3>;
  /** A lent tile came back (declined or no claim in time): queue it again. */
  requeue(frame: number, task: TaskDoc): void;
  /** Take a tile that came back off the queue again, unless it started: true when it was still waiting. */
  unqueue(frame: number, task: TaskDoc): boolean;
  /** A lent tile was claimed: it counts as done here. */
  lent(frame: number, task: TaskDoc): void;
  /** Run a stolen tile (thief) and publish its outputs. */
  run(frame: number, task: TaskDoc, pieces: Map<string, Tensor3>): void;
  /** Hand a piece of this worker's own (made by a thief) to its consumers here. */
  deliver(frame: number, piece: string, data: Tensor3): void;
  error(code: ErrorCode, message: string, extra?: { frame?: number; task?: string }): void;
}

export interface StealContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly plan: PlanDoc;
  readonly worker: string;
  readonly pieces: ReadonlyMap<string, PieceDoc>;
  /** Consuming workers per piece (shared/plan/footprint.ts pieceConsumers). */
  readonly users: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly hooks: StealHooks;
  /** How long a victim waits for the claim of a granted tile (default 1 s, far above a broker round trip). */
  readonly claimTimeoutMs?: number;
  /** A thief asks again at most this often while nothing is granted (default 250 ms). */
  readonly requestIntervalMs?: number;
}

export interface StealStats { requests: number; granted: number; claimed: number; reclaimed: number; stolen: number; declined: number }

/** What each side is given by the stealer: the plan's context, the stages it steals in, the shared counters. */
export interface StealSideContext {
  readonly steal: StealContext;
  /** Stages whose tiles this worker may take and lend (it holds a tile of each). */
  readonly stages: ReadonlySet<string>;
  readonly stats: StealStats;
  /** The stealer stopped (the plan was replaced): nothing is lent, taken or queued again. */
  readonly stopped: () => boolean;
}

/** A taken-back tile is remembered this long for a late claim; a thief waits this long for a confirmation. */
export const LATE_MS = 30_000;

export const stealKey = (frame: number, task: string) => `${frame}|${task}`;
