/**
 * A retained plan payload → a plan this worker may act on, or the coded reason it may not (issue 14
 * §4). The plan topic is writable by anyone on an open broker: an empty payload (a withdrawal), a
 * broken or unknown structure, a plan naming files, or one naming layers the model lacks is
 * refused with a code while the worker keeps serving its current plan (`keep` names it).
 */
import type { Model } from '../shared/model/ir.ts';
import type { ErrorCode } from '../shared/wire/error-codes.ts';
import type { PlanDoc } from '../shared/plan/types.ts';
import { PLAN_VERSION } from '../shared/plan/types.ts';
import { refusedModelRef } from './model-ref.ts';
import { planModelProblem, planShapeProblem } from './plan-check.ts';
import { checkPlanFits } from './runtime/admission.ts';

export type PlanRead = { readonly plan: PlanDoc } | { readonly code: ErrorCode; readonly message: string } | { readonly ignore: true };

export function readPlan(payload: Uint8Array, o: { current?: string; topic: string }): PlanRead {
  const keep = `still serving ${o.current ?? 'no plan'}`;
  if (payload.length === 0) return o.current ? { code: 'bad-plan', message: `empty plan on ${o.topic}: ignored, ${keep}` } : { ignore: true };
  let plan: PlanDoc;
  try {
    plan = JSON.parse(Buffer.from(payload).toString('utf8')) as PlanDoc;
  } catch (e) {
    return { code: 'bad-plan', message: `plan is not JSON: ${(e as Error).message}; ${keep}` };
  }
  const shape = plan !== null && typeof plan === 'object' && !Array.isArray(plan) ? planShapeProblem(plan) : 'not an object';
  if (shape) return { code: 'bad-plan', message: `plan ${String((plan as PlanDoc | null)?.planId)}: ${shape}; ${keep}` };
  if (plan.version !== PLAN_VERSION || !Array.isArray(plan.stages) || !Array.isArray(plan.pieces)) {
    return { code: 'bad-plan', message: `plan ${String(plan.planId)}: version ${String(plan.version)} or structure not understood (expected version ${PLAN_VERSION}); ${keep}` };
  }
  if (plan.planId === o.current) return { ignore: true };
  const refused = refusedModelRef(plan.model);
  if (refused) return { code: 'plan-refused', message: `plan ${plan.planId}: ${refused}; ${keep}` };
  return { plan };
}

/** Checks once the plan's model is loaded: its hash, the layers the plan names, and this worker's memory. */
export function loadedPlanProblem(plan: PlanDoc, o: { model: Model; hash: string; worker: string; memoryBytes: number; current?: string }): { code: ErrorCode; message: string } | undefined {
  if (o.hash !== plan.model.hash) {
    return { code: 'plan-refused', message: `plan ${plan.planId} is for model ${plan.model.name} (hash ${plan.model.hash}); this worker loaded hash ${o.hash}` };
  }
  const layers = planModelProblem(plan, o.model);
  if (layers) return { code: 'bad-plan', message: `plan ${plan.planId}: ${layers}; still serving ${o.current ?? 'no plan'}` };
  const refusal = checkPlanFits({ plan, model: o.model, worker: o.worker, memoryBytes: o.memoryBytes });
  return refusal ? { code: 'plan-refused', message: refusal } : undefined;
}
