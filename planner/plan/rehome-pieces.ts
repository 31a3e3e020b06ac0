/**
 * After chain fusion (fuse-chains.ts) a task may publish pieces named after a stage it no longer
 * belongs to. Pieces follow their producing task's stage (`<stage>/p<n>`, numbered on after the
 * stage's own): the stage a piece marks when it arrives at the data source (worker/runtime) is then
 * the stage the cost model predicts it in (planner/cost-stages.ts), and its topic stays well-formed.
 */
import type { PieceDoc, PlanDoc } from '../../shared/plan/types.ts';

/** `named`: every piece id the stages ever had (dropped ones included), so no new name reuses one. */
export function rehomePieces(plan: PlanDoc, named: readonly PieceDoc[] = plan.pieces): PlanDoc {
  const stageOfPiece = new Map(plan.stages.flatMap((s) => s.tasks.flatMap((t) => t.outputs.map((p) => [p, s.id] as const))));
  const next = new Map<string, number>();
  for (const p of named) next.set(p.stage, Math.max(next.get(p.stage) ?? 0, (Number(p.id.slice(p.stage.length + 2)) || 0) + 1));
  const renamed = new Map<string, string>();
  const pieces = plan.pieces.map((p) => {
    const stage = stageOfPiece.get(p.id) ?? p.stage;
    if (stage === p.stage) return p;
    const n = next.get(stage) ?? 0;
    next.set(stage, n + 1);
    renamed.set(p.id, `${stage}/p${n}`);
    return { ...p, id: `${stage}/p${n}`, stage };
  });
  if (renamed.size === 0) return plan;
  const to = (id: string): string => renamed.get(id) ?? id;
  const stages = plan.stages.map((s) => ({
    ...s, tasks: s.tasks.map((t) => ({ ...t, outputs: t.outputs.map(to), needs: t.needs.map((n) => ({ ...n, pieces: n.pieces.map(to) })) })),
  }));
  return { ...plan, stages, pieces };
}
