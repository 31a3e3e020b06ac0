/**
 * Which stages a worker steals in (worker/runtime/steal.ts): FTP stages whose tiles are spread over
 * at least two workers, one of them this one. Only there does a tile run anywhere with the same
 * (whole, replicated) weights the worker already holds (PAPER §3.2: FTP replicates its stack's
 * weights), so taking one costs its input crop and a lazy compile, never a weight transfer.
 */
import type { PlanDoc } from '../../shared/plan/types.ts';

export function stealStages(plan: PlanDoc, worker: string): Set<string> {
  const out = new Set<string>();
  for (const s of plan.stages) {
    if (s.kind !== 'ftp') continue;
    const workers = new Set(s.tasks.map((t) => t.worker));
    if (workers.size >= 2 && workers.has(worker)) out.add(s.id);
  }
  return out;
}
