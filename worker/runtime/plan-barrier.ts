/**
 * Before the data source feeds a new plan (after a fault, issue 14 §1), every worker the plan names
 * must listen to its pieces: pieces go out at QoS 0 and are not retained, so a piece published
 * before its consumer re-subscribed is gone and its frame would stall to the deadline. Workers
 * publish their stats (naming the plan) as soon as they adopt one; the data source follows every
 * worker's stats from its start (a plan may be adopted by the others while this worker still
 * finishes the previous one) and waits for all of the plan's, or `timeoutMs` (a slow worker then
 * costs at most that frame's deadline, never the whole stream).
 */
import type { Transport, Unsubscribe } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';

export class PlanAdoptions {
  /** The plan each worker last said it runs. */
  readonly #adopted = new Map<string, string>();
  readonly #waiters = new Set<() => void>();

  /** Follow the workers' stats. */
  async start(ctx: { transport: Transport; topics: Topics }): Promise<Unsubscribe> {
    return ctx.transport.subscribe(ctx.topics.workerStats('+'), (_topic, payload) => {
      try {
        const s = JSON.parse(Buffer.from(payload).toString('utf8')) as { worker?: unknown; plan?: unknown };
        if (typeof s.worker !== 'string' || typeof s.plan !== 'string') return;
        this.#adopted.set(s.worker, s.plan);
        for (const w of [...this.#waiters]) w();
      } catch { /* not stats: the fuzzers' business, not ours */ }
    });
  }

  /** Resolves when every worker of `plan` but `self` runs it, or after `timeoutMs`; names the late ones. */
  async wait(plan: PlanDoc, self: string, timeoutMs = 3000): Promise<{ waitedMs: number; missing: string[] }> {
    const t0 = Date.now();
    const others = [...new Set(plan.stages.flatMap((s) => s.tasks.map((x) => x.worker)))].filter((w) => w !== self);
    const missing = () => others.filter((w) => this.#adopted.get(w) !== plan.planId);
    if (missing().length === 0) return { waitedMs: 0, missing: [] };
    let check!: () => void;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      check = () => { if (missing().length === 0) resolve(); };
      this.#waiters.add(check);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.#waiters.delete(check);
    return { waitedMs: Date.now() - t0, missing: missing() };
  }
}
