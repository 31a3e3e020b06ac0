/**
 * A restarted planner finds the retained plan still served by the workers (issue 14 §1): it adopts
 * that plan (same plan id) instead of making a new one, which would drop the frames in flight.
 * It does so when the plan is for its model and every worker the plan names is online; a worker
 * that joined while no planner ran is planned in at the next join or leave.
 */
import type { PlanDoc } from '../shared/plan/types.ts';

export function adoptable(plan: PlanDoc | undefined, model: string, online: readonly string[]): plan is PlanDoc {
  if (!plan || plan.model?.name !== model || !Array.isArray(plan.devices)) return false;
  const up = new Set(online);
  return plan.devices.length > 0 && plan.devices.every((d) => up.has(d.id)) && up.has(plan.dataSource);
}

/** Parse a retained plan payload; undefined when empty or not a plan. */
export function parseRetainedPlan(payload: Uint8Array): PlanDoc | undefined {
  if (payload.length === 0) return undefined;
  try {
    const p = JSON.parse(Buffer.from(payload).toString('utf8')) as PlanDoc;
    return typeof p?.planId === 'string' && Array.isArray(p.devices) ? p : undefined;
  } catch {
    return undefined;
  }
}
