/**
 * Before the data source feeds a new plan (after a fault, issue 14 §1), every worker the plan names
 * must listen to its pieces: pieces go out at QoS 0 and are not retained, so a piece published
 * before its consumer re-subscribed is gone and its frame would stall to the deadline. Workers
 * publish their stats (naming the plan) as soon as they adopt one; this waits for all of them, or
 * `timeoutMs` (a slow worker then costs at most that frame's deadline, never the whole stream).
 */
import type { Transport } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';

/**
 * Start listening at once (when the plan arrives, before this worker loads it: the others' stats may
 * come while it loads); `wait()` resolves when every other worker of the plan adopted it, or at the
 * timeout, and stops listening.
 */
export async function watchPlanAdoption(ctx: { transport: Transport; topics: Topics; plan: PlanDoc; self: string; timeoutMs?: number }): Promise<{ wait: () => Promise<{ waitedMs: number; missing: string[] }> }> {
  const { transport: t, topics, plan, self } = ctx;
  const t0 = Date.now();
  const pending = new Set(plan.stages.flatMap((s) => s.tasks.map((x) => x.worker)).filter((w) => w !== self));
  let done!: () => void;
  const all = new Promise<void>((r) => { done = r; });
  if (pending.size === 0) done();
  const off = pending.size === 0 ? async () => undefined : await t.subscribe(topics.workerStats('+'), (_topic, payload) => {
    try {
      const s = JSON.parse(Buffer.from(payload).toString('utf8')) as { worker?: unknown; plan?: unknown };
      if (s.plan === plan.planId && typeof s.worker === 'string' && pending.delete(s.worker) && pending.size === 0) done();
    } catch { /* not stats: the fuzzers' business, not ours */ }
  });
  return {
    wait: async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((r) => { timer = setTimeout(r, Math.max(0, (ctx.timeoutMs ?? 3000) - (Date.now() - t0))); })]);
      clearTimeout(timer);
      await off().catch(() => undefined);
      return { waitedMs: Date.now() - t0, missing: [...pending] };
    },
  };
}
