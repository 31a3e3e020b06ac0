/**
 * What the planner service (service.ts) is given: the bus, the model, the plan function, and the
 * knobs of its waits, liveness, adoption and drift checks.
 */
import type { Model } from '../shared/model/ir.ts';
import type { Transport } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { Logger } from '../shared/log.ts';
import type { PlanDevice, PlanDoc } from '../shared/plan/types.ts';
import type { Calibration } from './calibration.ts';
import type { DriftOptions } from './drift.ts';

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
  /** A planned worker that has not reported the plan in its stats this long after is left out (default 30 s). */
  readonly adoptMs?: number;
  /** Re-plan when calibration makes another plan clearly faster (planner/drift.ts); `false`: never. Latency objective only. */
  readonly drift?: DriftOptions | false;
  /** Plan each set of survivors ahead (planner/standby.ts; default true). Off in a bench that measures one plan. */
  readonly standby?: boolean;
  /** A worker silent (no stats) this long counts as gone (config `planner.livenessSeconds`, default 30 s). */
  readonly livenessMs?: number;
}
