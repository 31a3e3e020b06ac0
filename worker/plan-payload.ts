/** The retained plan as a worker reads it: JSON of a version and structure it understands, or why not. */
import type { PlanDoc } from '../shared/plan/types.ts';
import { PLAN_VERSION } from '../shared/plan/types.ts';

export function readPlan(payload: Uint8Array): PlanDoc | { readonly error: string } {
  let plan: PlanDoc;
  try {
    plan = JSON.parse(Buffer.from(payload).toString('utf8')) as PlanDoc;
  } catch (e) {
    return { error: `plan is not JSON: ${(e as Error).message}` };
  }
  if (plan?.version !== PLAN_VERSION || !Array.isArray(plan.stages) || !Array.isArray(plan.pieces)) {
    return { error: `plan ${String(plan?.planId)}: version ${String(plan?.version)} or structure not understood (expected version ${PLAN_VERSION})` };
  }
  return plan;
}
