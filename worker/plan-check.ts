/**
 * What a worker checks of a plan before it drops the one it runs (issue 14 §4: "plans with unknown
 * layers or impossible assignments"). The plan is retained JSON anyone on an open broker can
 * publish; a structure the runtime would trip over deep inside (a task naming a piece no one
 * produces, a layer the model does not have, a region outside the map) is refused up front with a
 * coded `bad-plan`, and the worker keeps serving its current plan.
 */
import type { Model } from '../shared/model/ir.ts';
import type { PieceDoc, PlanDoc, TaskDoc } from '../shared/plan/types.ts';

const TASK_KINDS = new Set(['ingest', 'ftp', 'lop', 'lip', 'fuse', 'seq', 'local', 'reduce', 'head']);

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
const isInt = (x: unknown): x is number => Number.isInteger(x);
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 200;

function selProblem(sel: unknown, where: string): string | undefined {
  if (!isObj(sel) || !isInt(sel.node) || sel.node < -1 || !isObj(sel.region) || !isObj(sel.channels)) return `${where}: sel needs node, region and channels`;
  const r = sel.region, c = sel.channels;
  if (![r.y0, r.y1, r.x0, r.x1, c.c0, c.c1].every((v) => isInt(v) && (v as number) >= 0)) return `${where}: region and channels must be non-negative integers`;
  if ((r.y1 as number) <= (r.y0 as number) || (r.x1 as number) <= (r.x0 as number) || (c.c1 as number) <= (c.c0 as number)) return `${where}: empty region or channel range`;
  return undefined;
}

function taskProblem(t: unknown, pieces: ReadonlySet<string>): string | undefined {
  if (!isObj(t) || !isStr(t.id) || !isStr(t.worker) || !isStr(t.stage) || !TASK_KINDS.has(t.kind as string)) return `task ${JSON.stringify(isObj(t) ? t.id : t)}: id, stage, worker and a known kind are required`;
  if (!Array.isArray(t.runs) || !Array.isArray(t.needs) || !Array.isArray(t.outputs)) return `task ${t.id}: runs, needs and outputs must be arrays`;
  for (const r of t.runs) if (!isObj(r) || !isInt(r.node)) return `task ${t.id}: a run without a node index`;
  for (const n of t.needs) {
    if (!isObj(n) || !Array.isArray(n.pieces)) return `task ${t.id}: a need without pieces`;
    const sel = selProblem(n.sel, `task ${t.id}`);
    if (sel) return sel;
    const unknown = n.pieces.find((p) => !pieces.has(p as string));
    if (unknown !== undefined) return `task ${t.id} needs piece ${JSON.stringify(unknown)}, which the plan does not define`;
  }
  const out = t.outputs.find((p) => !pieces.has(p as string));
  if (out !== undefined) return `task ${t.id} outputs piece ${JSON.stringify(out)}, which the plan does not define`;
  return undefined;
}

/** Why `plan` is structurally unusable, or undefined. */
export function planShapeProblem(plan: object): string | undefined {
  const p = plan as Record<string, unknown>;
  if (!isStr(p.planId) || !isStr(p.dataSource)) return 'planId and dataSource must be strings';
  if (!isObj(p.model) || !isStr(p.model.name) || !isStr(p.model.hash) || !isObj(p.model.input)) return 'model needs name, hash and input';
  if (!Array.isArray(p.stages) || !Array.isArray(p.pieces)) return undefined; // the version check says it
  const ids = new Set<string>();
  for (const piece of p.pieces) {
    if (!isObj(piece) || !isStr(piece.id) || !isStr(piece.worker) || !isStr(piece.stage)) return 'a piece without id, stage or worker';
    const sel = selProblem(piece.sel, `piece ${piece.id}`);
    if (sel) return sel;
    ids.add(piece.id);
  }
  for (const s of p.stages) {
    if (!isObj(s) || !isStr(s.id) || !Array.isArray(s.tasks)) return 'a stage without id or tasks';
    for (const t of s.tasks) {
      const problem = taskProblem(t, ids);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Layers the plan names that `model` does not have (after the model is loaded), or undefined. */
export function planModelProblem(plan: PlanDoc, model: Model): string | undefined {
  const n = model.nodes.length;
  // -1 is the network input (the ingest task's piece).
  const bad = (node: number) => node < -1 || node >= n;
  const piece = plan.pieces.find((x: PieceDoc) => bad(x.sel.node));
  if (piece) return `piece ${piece.id} names layer ${piece.sel.node}; model ${model.name} has ${n}`;
  for (const t of plan.stages.flatMap((s) => s.tasks) as TaskDoc[]) {
    const node = [...t.runs.map((r) => r.node), ...t.needs.map((x) => x.sel.node)].find(bad);
    if (node !== undefined) return `task ${t.id} names layer ${node}; model ${model.name} has ${n}`;
  }
  return undefined;
}
