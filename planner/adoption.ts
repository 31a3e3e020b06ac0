/**
 * Does a planned worker run the plan? (issue 14 §4: a stranger's two retained messages announced a
 * phantom worker; the planner made it the data source, and nothing was predicted, with no error.)
 * Every worker reports the plan it adopted in its stats (worker/service.ts, on change); a planned
 * device that has not reported the current plan id `adoptMs` after it went out is called silent:
 * `worker-silent` is reported and the planner plans without it until its stats come again.
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { ErrorMessage } from '../shared/wire/messages.ts';
import type { PlanDoc } from '../shared/plan/types.ts';

export interface AdoptionContext {
  readonly transport: Transport;
  readonly topics: Topics;
  /** How long workers have to load the model and adopt a plan (default 30 s). */
  readonly adoptMs?: number;
  /** Planned workers that did not adopt `plan` in time (true), or one heard from again (false). */
  readonly silent: (worker: string, silent: boolean) => void;
  /** The plan now (a timer of an older plan is ignored). */
  readonly current: () => PlanDoc | undefined;
  /** A worker's live stats arrived: it runs, whatever its state topic last said (a forged `offline` may outrun its answer). */
  readonly alive?: (worker: string) => void;
}

export class AdoptionWatch {
  readonly #ctx: AdoptionContext;
  /** Per worker: the plan id its latest stats named. */
  readonly #adopted = new Map<string, string | null>();
  readonly #silent = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(ctx: AdoptionContext) {
    this.#ctx = ctx;
  }

  /** Follow the workers' stats (live ones only: a retained copy proves nothing). */
  start(): Promise<Unsubscribe> {
    const { transport: t, topics } = this.#ctx;
    return topics.subscribe(t, topics.workerStats('+'), (m) => {
      if (!m.payload.ok || m.retain) return;
      const id = m.params.id!;
      this.#adopted.set(id, m.payload.value.plan);
      this.#ctx.alive?.(id);
      if (this.#silent.delete(id)) this.#ctx.silent(id, false);
    });
  }

  /** A plan went out (or was withdrawn): check its devices after the grace time. */
  planned(plan: PlanDoc | undefined): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!plan) return;
    this.#timer = setTimeout(() => this.#check(plan), this.#ctx.adoptMs ?? 30_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }

  #check(plan: PlanDoc): void {
    if (this.#ctx.current()?.planId !== plan.planId) return;
    const ids = plan.devices.map((d) => d.id).filter((id) => this.#adopted.get(id) !== plan.planId);
    if (ids.length === 0) return;
    // No worker at all reports it yet (planned or idle ones, which adopt it too): slow model loads
    // or a busy broker, not phantoms. Look again later.
    if (![...this.#adopted.values()].includes(plan.planId)) return this.planned(plan);
    const { transport: t, topics } = this.#ctx;
    const them = ids.length === 1 ? 'it' : 'them';
    const msg: ErrorMessage = { code: 'worker-silent', message: `planner: worker${ids.length === 1 ? '' : 's'} ${ids.join(', ')} did not report plan ${plan.planId} within ${(this.#ctx.adoptMs ?? 30_000) / 1000} s: planning without ${them} until heard from`, time: Date.now() };
    void topics.publish(t, topics.errors(), msg).catch(() => undefined);
    for (const id of ids) {
      this.#silent.add(id);
      this.#ctx.silent(id, true);
    }
  }
}
