/**
 * The retained plan is the planner's (issue 14 §4): one that another client put there (an empty or
 * garbage plan, a forged one) is replaced by the current plan again, at most once every 2 s, so a
 * worker that starts later still finds the real plan. Running workers refuse or ignore such plans
 * anyway (worker/plan-read.ts); with users on, the broker lets only the planner publish plans.
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { Logger } from '../shared/log.ts';
import type { PlanDoc } from '../shared/plan/types.ts';

export function keepPlan(ctx: { transport: Transport; topics: Topics; log: Logger; current: () => PlanDoc | undefined }): Promise<Unsubscribe> {
  const { transport: t, topics } = ctx;
  let last = 0;
  return t.subscribe(topics.plan(), (_topic, payload) => {
    const current = ctx.current();
    if (!current || Date.now() - last < 2000) return;
    let id: unknown;
    try {
      id = payload.length ? (JSON.parse(Buffer.from(payload).toString('utf8')) as { planId?: unknown }).planId : undefined;
    } catch { /* not JSON: not ours */ }
    if (id === current.planId) return;
    last = Date.now();
    ctx.log.warn(`retained plan replaced by another client (${id === undefined ? 'empty or not a plan' : `plan id ${JSON.stringify(id).slice(0, 60)}`}): publishing plan ${current.planId} again`);
    void topics.publish(t, topics.plan(), current, { retain: true, qos: 1 }).catch(() => undefined);
  });
}
