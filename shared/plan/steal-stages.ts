/**
 * Where FTP work stealing happens (worker/runtime/steal.ts) and the topic levels it uses, shared by
 * the workers and the broker's plan guard (broker/plan-guard.ts) so both read the same rule from the
 * plan: FTP stages whose tiles are spread over at least two workers. Only there does a tile run
 * anywhere with the same (whole, replicated) weights its stage's workers hold (PAPER §3.2: FTP
 * replicates its stack's weights), so taking one costs its input crop and a lazy compile.
 */
import type { PlanDoc } from './types.ts';

/** Stage id → the workers that may take and lend its tiles. */
export function stealWorkers(plan: Pick<PlanDoc, 'stages'>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of plan.stages ?? []) {
    if (s?.kind !== 'ftp') continue;
    const workers = new Set((s.tasks ?? []).map((t) => String(t.worker)));
    if (workers.size >= 2) out.set(String(s.id), workers);
  }
  return out;
}

export function stealStages(plan: Pick<PlanDoc, 'stages'>, worker: string): Set<string> {
  return new Set([...stealWorkers(plan)].filter(([, ws]) => ws.has(worker)).map(([s]) => s));
}

/** The last topic level of steal messages under `<c>/data/<stage>/`: never a piece id (those are `p<n>`). */
export const stealLevel = {
  request: 'steal',
  grant: (thief: string) => `steal.grant.${thief}`,
  claim: (victim: string) => `steal.claim.${victim}`,
  confirm: (thief: string) => `steal.confirm.${thief}`,
};

/** A steal topic level, with the worker it addresses (grant, confirm: the thief; claim: the victim). */
export function parseStealLevel(level: string): { kind: 'request' } | { kind: 'grant' | 'claim' | 'confirm'; worker: string } | undefined {
  if (level === stealLevel.request) return { kind: 'request' };
  const m = /^steal\.(grant|claim|confirm)\.(.+)$/.exec(level);
  return m ? { kind: m[1] as 'grant' | 'claim' | 'confirm', worker: m[2]! } : undefined;
}
