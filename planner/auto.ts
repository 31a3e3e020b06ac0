/**
 * The plan function the services use: model + the workers online → the optimiser's plan
 * (planner/choose: ILP-2 boundary, ILP-1 tail, or the latency search), re-run on every change of
 * the worker set. Workers load the model named by `source`.
 */
import type { Model } from '../shared/model/ir.ts';
import type { PlanDevice, PlanDoc } from '../shared/plan/types.ts';
import { logger } from '../shared/log.ts';
import { choosePlan } from './choose/choose.ts';
import type { WireDtype } from '../shared/plan/wire.ts';

export interface AutoPlanOptions {
  /** How workers load the model (built-in name or path) and weights. */
  readonly source: string;
  readonly weights?: string;
  /** `comm` (the paper's), `memory`, `latency`, or a list such as `latency,comm`. */
  readonly objective?: string;
  /** How activations travel between devices (default float16, shared/plan/wire.ts). */
  readonly wire?: WireDtype;
}

const log = logger('planner');

export function autoPlanFn(o: AutoPlanOptions): (model: Model, devices: PlanDevice[], objective?: string) => Promise<PlanDoc> {
  return async (model, devices, objective) => {
    const choice = await choosePlan(model, devices, { objective: objective ?? o.objective ?? 'comm', dataSource: devices[0]?.id, dtype: o.wire, build: { source: o.source, weights: o.weights } });
    const p = choice.chosen.plan;
    log.info(`${choice.chosen.label}: ${((p.predicted?.bytesPerFrame ?? 0) / 1e6).toFixed(2)} MB/frame, predicted ${Math.round(p.predicted?.latencyMs ?? 0)} ms (${choice.solver}, ${Math.round(choice.solveMs)} ms)`);
    return p;
  };
}
