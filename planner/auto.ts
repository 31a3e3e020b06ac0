/**
 * The plan function the services use: model + the workers online → the optimiser's plan
 * (planner/choose: ILP-2 boundary, ILP-1 tail, or the latency search), re-run on every change of
 * the worker set. Workers load the model named by `source`.
 */
import type { Model } from '../shared/model/ir.ts';
import type { PlanDevice, PlanDoc } from '../shared/plan/types.ts';
import { logger } from '../shared/log.ts';
import { choosePlan } from './choose/choose.ts';
import { explainChoice } from './explain.ts';
import type { TailPin } from './choose/pin.ts';
import type { WireDtype } from '../shared/plan/wire.ts';

export interface AutoPlanOptions {
  /** How workers load the model (built-in name or path) and weights. */
  readonly source: string;
  readonly weights?: string;
  /** `latency` (default), `fps`, `comm` (the paper's), `memory`, or a list such as `latency,comm`. */
  readonly objective?: string;
  /** Pin the tail to one of the paper's baselines (planner/choose/pin.ts); default `auto`. */
  readonly tail?: TailPin;
  /** How activations travel between devices (default float16, shared/plan/wire.ts). */
  readonly wire?: WireDtype;
}

const log = logger('planner');

/** The `--explain` lines of each plan this module made (the dashboard shows them; PlanDoc stays as DESIGN.md has it). */
const explanations = new WeakMap<PlanDoc, readonly string[]>();

export function explanationOf(plan: PlanDoc): readonly string[] | undefined {
  return explanations.get(plan);
}

export function autoPlanFn(o: AutoPlanOptions): (model: Model, devices: PlanDevice[], objective?: string) => Promise<PlanDoc> {
  return async (model, devices, objective) => {
    const choice = await choosePlan(model, devices, { objective: objective ?? o.objective ?? 'latency', tail: o.tail, dataSource: devices[0]?.id, dtype: o.wire, build: { source: o.source, weights: o.weights } });
    const p = choice.chosen.plan;
    try {
      explanations.set(p, explainChoice(model, choice));
    } catch (e) {
      log.warn(`explain: ${(e as Error).message}`); // the plan stands without its explanation
    }
    log.info(`${choice.chosen.label}: ${((p.predicted?.bytesPerFrame ?? 0) / 1e6).toFixed(2)} MB/frame, predicted ${Math.round(p.predicted?.latencyMs ?? 0)} ms (${choice.solver}, ${Math.round(choice.solveMs)} ms)`);
    return p;
  };
}
