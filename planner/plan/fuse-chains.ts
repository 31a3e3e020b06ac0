/**
 * Chain fusion [ours] (issue 11 targets): a task whose output pieces feed a next task on the same
 * worker is merged with it, and pieces nobody else needs leave the plan. A task is a compile unit and
 * a per-frame run (assemble, session call, cut), so a one-device plan of one task per layer pays that
 * per layer; fused it is ingest → one task → head: one ONNX graph, like the model's.
 *
 * Why it never delays a frame. U may absorb T when every piece U needs is T's output or a need T has
 * too (same selection, same pieces: there before T starts), so the fused task needs exactly what T
 * needs and starts when T would; U, which could not start before T's end, runs right after it. What
 * fusion can delay is a piece of T someone else waits for (it now leaves after U's compute too); so
 * T's outputs must all go to U alone, or everything downstream of T (head included) must run on T's
 * worker: then that worker computes the rest of the frame serially either way and ends it at the
 * same time, only in another order. Stages: the fused task keeps T's id and place; a stage left
 * without tasks is dropped and its layers join T's stage, whose kind stays (same kinds) or becomes
 * `seq` (layers one after another on one device). FTP and tail stages never fuse, so predictions'
 * ftp / tail split (worker/runtime/frame-meta.ts) keeps its meaning.
 */
import type { NeedDoc, PlanDoc, StageDoc, TaskDoc, TaskKind, TensorSel } from '../../shared/plan/types.ts';
import { rehomePieces } from './rehome-pieces.ts';

const sameSel = (a: TensorSel, b: TensorSel): boolean => a.node === b.node
  && a.region.y0 === b.region.y0 && a.region.y1 === b.region.y1 && a.region.x0 === b.region.x0 && a.region.x1 === b.region.x1
  && a.channels.c0 === b.channels.c0 && a.channels.c1 === b.channels.c1;

const sameNeed = (a: NeedDoc, b: NeedDoc): boolean => a.reduce === b.reduce && sameSel(a.sel, b.sel)
  && a.pieces.length === b.pieces.length && a.pieces.every((p, i) => p === b.pieces[i]);

/** The selection a task computes of `node` whole (no partial sum), if it runs that node. */
function computedSel(t: TaskDoc, node: number, outC: number): TensorSel | undefined {
  const run = t.runs.find((r) => r.node === node);
  if (!run || run.inChannels) return undefined;
  return { node, region: run.region, channels: run.outChannels ?? { c0: 0, c1: outC } };
}

interface Graph {
  readonly producer: Map<string, TaskDoc>;
  /** Ids of the tasks that need each piece. */
  readonly consumers: Map<string, Set<string>>;
  readonly tasks: Map<string, TaskDoc>;
  readonly stageKind: Map<string, TaskKind>;
  readonly outC: (node: number) => number;
}

/** Every task downstream of `t` (through its outputs, the head included) runs on `t`'s worker. */
function downstreamLocal(g: Graph, t: TaskDoc): boolean {
  const seen = new Set<string>([t.id]);
  const todo = [t];
  for (let x = todo.pop(); x; x = todo.pop()) {
    for (const p of x.outputs) {
      for (const id of g.consumers.get(p) ?? []) {
        if (seen.has(id)) continue;
        const c = g.tasks.get(id)!;
        if (c.worker !== t.worker) return false;
        seen.add(id);
        todo.push(c);
      }
    }
  }
  return true;
}

/** Why U may not absorb T, or undefined when it may (the rules in the header). */
export function fuseRefusal(g: Graph, t: TaskDoc, u: TaskDoc): string | undefined {
  if (t.worker !== u.worker) return 'other worker';
  const fixed = new Set<TaskKind>(['ingest', 'head']);
  if (fixed.has(t.kind) || fixed.has(u.kind)) return 'ingest and head stay apart';
  if ((g.stageKind.get(t.stage) === 'ftp') !== (g.stageKind.get(u.stage) === 'ftp')) return 'ftp and tail stages stay apart';
  const onlyU = t.outputs.every((p) => g.consumers.get(p)?.size === 1 && g.consumers.get(p)!.has(u.id));
  if (!onlyU && !downstreamLocal(g, t)) return 'an output of the producer has another consumer, and the frame leaves this worker after it';
  for (const n of u.needs) {
    const fromT = n.pieces.filter((p) => g.producer.get(p) === t);
    if (fromT.length === 0) {
      if (!t.needs.some((m) => sameNeed(m, n))) return `need of layer ${n.sel.node} comes from elsewhere`;
      continue;
    }
    if (n.reduce || fromT.length !== n.pieces.length) return `need of layer ${n.sel.node} is not the producer's alone`;
    const have = computedSel(t, n.sel.node, g.outC(n.sel.node));
    if (!have || !sameSel(have, n.sel)) return `need of layer ${n.sel.node} is not what the producer computes`;
  }
  return undefined;
}

interface Stage { id: string; kind: TaskKind; layers: [number, number]; grid?: StageDoc['grid']; tasks: TaskDoc[] }

function graphOf(stages: readonly Stage[], outC: (node: number) => number): Graph {
  const g: Graph = { producer: new Map(), consumers: new Map(), tasks: new Map(), stageKind: new Map(stages.map((s) => [s.id, s.kind])), outC };
  for (const s of stages) {
    for (const t of s.tasks) {
      g.tasks.set(t.id, t);
      for (const p of t.outputs) g.producer.set(p, t);
      for (const n of t.needs) for (const p of n.pieces) g.consumers.set(p, (g.consumers.get(p) ?? new Set()).add(t.id));
    }
  }
  return g;
}

/**
 * Merge U (in stage `s`) into T (in `home`): U's needs are T's needs or T's outputs (fuseRefusal), so
 * the fused task needs what T needs; it publishes T's pieces someone else still needs, then U's.
 * Returns the pieces that became internal.
 */
function absorb(g: Graph, t: TaskDoc, home: Stage, u: TaskDoc, s: Stage): string[] {
  for (const n of u.needs) for (const p of n.pieces) g.consumers.get(p)?.delete(u.id);
  const internal = t.outputs.filter((p) => (g.consumers.get(p)?.size ?? 0) === 0);
  const fused: TaskDoc = {
    ...t, kind: t.kind === u.kind ? t.kind : 'seq', runs: [...t.runs, ...u.runs],
    outputs: [...t.outputs.filter((p) => !internal.includes(p)), ...u.outputs],
  };
  for (const p of fused.outputs) g.producer.set(p, fused);
  g.tasks.set(t.id, fused);
  g.tasks.delete(u.id);
  home.tasks[home.tasks.indexOf(t)] = fused;
  s.tasks.splice(s.tasks.indexOf(u), 1);
  if (s.tasks.length === 0 && s !== home) {
    home.layers = [Math.min(home.layers[0], s.layers[0]), Math.max(home.layers[1], s.layers[1])];
    if (home.kind !== s.kind) home.kind = 'seq';
  }
  return internal;
}

/** The plan with every fusable chain merged into one task (the rules in the header). */
export function fuseChains(plan: PlanDoc, outC: (node: number) => number): PlanDoc {
  const stages: Stage[] = plan.stages.map((s) => ({ ...s, layers: [s.layers[0], s.layers[1]], tasks: [...s.tasks] }));
  const g = graphOf(stages, outC);
  const stageOf = new Map<string, Stage>(stages.flatMap((s) => s.tasks.map((t) => [t.id, s] as const)));
  const dropped = new Set<string>();
  for (const s of stages) {
    for (const u of [...s.tasks]) {
      const producers = [...new Set(u.needs.flatMap((n) => n.pieces.map((p) => g.producer.get(p)!)))];
      const t = producers.find((c) => c !== undefined && fuseRefusal(g, c, u) === undefined);
      if (!t) continue;
      for (const p of absorb(g, t, stageOf.get(t.id)!, u, s)) dropped.add(p);
      stageOf.delete(u.id);
    }
  }
  return rehomePieces({ ...plan, stages: stages.filter((s) => s.tasks.length > 0), pieces: plan.pieces.filter((p) => !dropped.has(p.id)) }, plan.pieces);
}
