/**
 * What the plan lets each worker publish (issue 14 §3): the broker relays the retained plan, so it
 * reads it and allows a worker-role account only the tensor pieces the plan assigns to it (PieceDoc.worker)
 * and, to the data source alone (PAPER §1: ingest and head run there), predictions, snapshots and events.
 * Likewise a worker subscribes only to the pieces its tasks need (TaskDoc.needs), one topic each, as
 * worker/runtime/plan-runtime.ts does. The previous plan of a cluster still counts, so pieces of frames in flight at a re-plan are not
 * refused: a refusal disconnects the worker, which would make the planner re-plan again.
 * FTP work stealing (worker/runtime/steal.ts) widens this within a stealing stage only: its workers
 * exchange steal messages, a thief publishes the tiles' outputs of the stage, and a victim reads
 * back its own tile outputs (shared/plan/steal-stages.ts says which stages and workers).
 */
import type { PlanDoc } from '../shared/plan/types.ts';
import { parseStealLevel, stealWorkers } from '../shared/plan/steal-stages.ts';

interface Assignment { planId: string; dataSource: string; pieces: Map<string, string>; needs: Map<string, Set<string>>; steal: Map<string, Set<string>> }

const SOURCE_OUTPUTS = new Set(['predictions', 'snapshot', 'events']);

export class PlanGuard {
  readonly #root: string[];
  /** Per cluster: the current plan and the one before it. */
  readonly #plans = new Map<string, Assignment[]>();

  constructor(root = 'deeperthings') {
    this.#root = root.split('/');
  }

  /** Learn from a publish the planner was allowed to make; anything but a plan is ignored. */
  observe(topic: string, payload: Uint8Array): void {
    const t = this.#levels(topic);
    if (!t || t.length !== 2 || t[1] !== 'plan') return;
    const cluster = t[0]!;
    if (payload.length === 0) return void this.#plans.delete(cluster); // plan withdrawn
    let plan: PlanDoc;
    try {
      plan = JSON.parse(Buffer.from(payload).toString('utf8')) as PlanDoc;
    } catch {
      return; // workers refuse it too; keep what we knew
    }
    if (typeof plan?.planId !== 'string' || !Array.isArray(plan.pieces)) return;
    const pieces = new Map(plan.pieces.map((p) => [String(p.id), String(p.worker)]));
    const needs = new Map<string, Set<string>>();
    for (const task of Array.isArray(plan.stages) ? plan.stages.flatMap((st) => st?.tasks ?? []) : []) {
      const set = needs.get(String(task.worker)) ?? needs.set(String(task.worker), new Set()).get(String(task.worker))!;
      for (const n of task.needs ?? []) for (const id of n.pieces ?? []) set.add(String(id));
    }
    const known = this.#plans.get(cluster) ?? [];
    if (known[0]?.planId === plan.planId) return; // the same plan again (re-announce)
    const steal = Array.isArray(plan.stages) ? stealWorkers(plan) : new Map<string, Set<string>>();
    this.#plans.set(cluster, [{ planId: plan.planId, dataSource: String(plan.dataSource), pieces, needs, steal }, ...known].slice(0, 2));
  }

  /** Why worker `id` may not publish `topic`, or undefined when the plan allows it (or doesn't govern it). */
  refusal(id: string, topic: string): string | undefined {
    const t = this.#levels(topic);
    if (!t || t.length !== 4) return undefined;
    const [cluster, kind, a, b] = t as [string, string, string, string];
    const plans = this.#plans.get(cluster) ?? [];
    if (kind === 'data') {
      const piece = `${a}/${b}`;
      if (plans.some((p) => p.pieces.get(piece) === id || stealing(p, id, a, b, 'publish'))) return undefined;
      return plans.length === 0 ? `no plan of cluster '${cluster}' assigns pieces yet` : `the plan assigns piece ${piece} to ${plans[0]!.pieces.get(piece) ?? 'no worker'}, not ${id}`;
    }
    if (kind === 'cameras' && SOURCE_OUTPUTS.has(b)) {
      if (plans.some((p) => p.dataSource === id)) return undefined;
      return `only the plan's data source (${plans[0]?.dataSource ?? 'none yet'}) publishes ${b}, not ${id}`;
    }
    return undefined;
  }

  /** Why worker `id` may not subscribe to `filter`, or undefined when the plan allows it (or doesn't govern it). */
  subscribeRefusal(id: string, filter: string): string | undefined {
    const t = this.#levels(filter);
    if (!t || t[1] !== 'data') return undefined;
    const cluster = t[0]!;
    if (t.length !== 4 || t.some((l) => l === '+' || l === '#')) return 'a worker subscribes to the pieces it needs one topic at a time, never a wildcard';
    const piece = `${t[2]}/${t[3]}`;
    const plans = this.#plans.get(cluster) ?? [];
    if (plans.some((p) => p.needs.get(id)?.has(piece) || stealing(p, id, t[2]!, t[3]!, 'subscribe'))) return undefined;
    return plans.length === 0 ? `no plan of cluster '${cluster}' gives ${id} pieces yet` : `no task of ${id} needs piece ${piece}`;
  }

  /** The levels after the root, or undefined for a topic outside it. */
  #levels(topic: string): string[] | undefined {
    const levels = topic.split('/');
    if (levels.length <= this.#root.length || this.#root.some((r, i) => levels[i] !== r)) return undefined;
    return levels.slice(this.#root.length);
  }
}

/**
 * Work stealing in stage `stage` of plan `p` lets worker `id` publish or subscribe to `level`:
 * requests (any worker of the stage), grants and claims to or from another worker of the stage
 * (a worker subscribes only to those addressed to it), tile outputs of the stage (publish: a thief
 * runs them; subscribe: a victim reads back its own).
 */
function stealing(p: Assignment, id: string, stage: string, level: string, op: 'publish' | 'subscribe'): boolean {
  const workers = p.steal.get(stage);
  if (!workers?.has(id)) return false;
  const m = parseStealLevel(level);
  if (m) return m.kind === 'request' || (workers.has(m.worker) && (op === 'publish' ? m.worker !== id : m.worker === id));
  const owner = p.pieces.get(`${stage}/${level}`);
  return owner !== undefined && workers.has(owner) && (op === 'publish' || owner === id);
}
