/**
 * A plan under construction: stages and tasks are added in order, then `finish()` wires every
 * task's needs to the pieces that cover them and names the pieces.
 */
import type { Model } from '../../shared/model/ir.ts';
import { INPUT } from '../../shared/model/ir.ts';
import { assert } from '../../shared/errors.ts';
import type { NeedDoc, NodeRun, PieceDoc, StageDoc, TaskDoc, TaskKind, TensorSel } from '../../shared/plan/types.ts';
import { selVolume, intersectSel, selKey } from '../../shared/plan/sel.ts';
import type { PartitionSpec } from './spec.ts';
import { DEFAULT_WIRE, edgeDtype } from '../../shared/plan/wire.ts';

export function fullSel(model: Model, node: number): TensorSel {
  const s = node === INPUT ? model.input : model.nodes[node]!.out;
  return { node, region: { y0: 0, y1: s.h, x0: 0, x1: s.w }, channels: { c0: 0, c1: s.c } };
}

interface TaskDraft {
  readonly id: string;
  readonly stage: string;
  readonly kind: TaskKind;
  readonly worker: string;
  readonly runs: NodeRun[];
  readonly needs: { sel: TensorSel; reduce: boolean }[];
  /** Nodes this task holds whole and publishes in whatever selections consumers ask for. */
  readonly produces: number[];
  /** Pieces this task publishes as a partition (tiles, channel slices, partial sums). */
  readonly parts?: { sel: TensorSel; partial: boolean }[];
}

interface StageDraft { id: string; kind: TaskKind; layers: readonly [number, number]; grid?: { rows: number; cols: number }; tasks: TaskDraft[] }

export class PlanDraft {
  readonly model: Model;
  readonly spec: PartitionSpec;
  readonly dataSource: string;
  readonly #stages: StageDraft[] = [];
  readonly #pieces: PieceDoc[] = [];
  readonly #outputs = new Map<string, string[]>();
  readonly #whole = new Map<number, TaskDraft>();
  readonly #parts = new Map<number, PieceDoc[]>();
  readonly #partials = new Map<number, PieceDoc[]>();
  readonly #onDemand = new Map<string, PieceDoc>();
  /** Pieces named so far per stage (piece ids are `<stage>/p<n>`); a counter keeps naming O(1). */
  readonly #perStage = new Map<string, number>();

  constructor(ctx: { model: Model; spec: PartitionSpec; dataSource: string }) {
    this.model = ctx.model;
    this.spec = ctx.spec;
    this.dataSource = ctx.dataSource;
  }

  stage(id: string, kind: TaskKind, layers: readonly [number, number], grid?: { rows: number; cols: number }): StageDraft {
    const s: StageDraft = { id, kind, layers, grid, tasks: [] };
    this.#stages.push(s);
    return s;
  }

  task(stage: StageDraft, t: Omit<TaskDraft, 'id' | 'stage'>): TaskDraft {
    const task: TaskDraft = { ...t, id: `${stage.id}/t${stage.tasks.length}`, stage: stage.id };
    stage.tasks.push(task);
    this.#outputs.set(task.id, []);
    for (const n of t.produces) this.#whole.set(n, task);
    for (const p of t.parts ?? []) {
      const piece = this.#newPiece(task, p.sel, p.partial);
      const reg = p.partial ? this.#partials : this.#parts;
      const list = reg.get(p.sel.node);
      if (list) list.push(piece);
      else reg.set(p.sel.node, [piece]);
    }
    return task;
  }

  #newPiece(task: TaskDraft, sel: TensorSel, partial: boolean): PieceDoc {
    const n = this.#perStage.get(task.stage) ?? 0;
    this.#perStage.set(task.stage, n + 1);
    const piece: PieceDoc = { id: `${task.stage}/p${n}`, stage: task.stage, worker: task.worker, sel, partial, dtype: edgeDtype(this.spec.dtype ?? DEFAULT_WIRE, { partial, node: sel.node, nodes: this.model.nodes.length }) };
    this.#pieces.push(piece);
    this.#outputs.get(task.id)!.push(piece.id);
    return piece;
  }

  /** Pieces that cover `need`: partial sums for a reduce, else the producer's partition or an on-demand crop. */
  #resolve(need: { sel: TensorSel; reduce: boolean }, by: string): string[] {
    const node = need.sel.node;
    if (need.reduce) return this.#covering(this.#partials.get(node), need.sel, by, false);
    const whole = this.#whole.get(node);
    if (whole) {
      const key = selKey(need.sel);
      let piece = this.#onDemand.get(key);
      if (!piece) {
        piece = this.#newPiece(whole, need.sel, false);
        this.#onDemand.set(key, piece);
      }
      return [piece.id];
    }
    return this.#covering(this.#parts.get(node), need.sel, by, true);
  }

  #covering(pieces: PieceDoc[] | undefined, sel: TensorSel, by: string, disjoint: boolean): string[] {
    assert(pieces && pieces.length > 0, () => `plan: task ${by} needs layer ${sel.node} but no task produces it`);
    const hit = pieces.filter((p) => intersectSel(p.sel, sel) !== undefined);
    if (disjoint) {
      const covered = hit.reduce((a, p) => a + selVolume(intersectSel(p.sel, sel)!), 0);
      assert(covered === selVolume(sel), () => `plan: task ${by}: pieces of layer ${sel.node} cover ${covered} of ${selVolume(sel)} elements`);
    }
    return hit.map((p) => p.id);
  }

  finish(): { stages: StageDoc[]; pieces: PieceDoc[] } {
    const resolved = new Map<string, NeedDoc[]>();
    for (const s of this.#stages) {
      for (const t of s.tasks) resolved.set(t.id, t.needs.map((n) => ({ ...n, pieces: this.#resolve(n, t.id) })));
    }
    const stages = this.#stages.map((s): StageDoc => ({
      id: s.id, kind: s.kind, layers: s.layers, ...(s.grid ? { grid: s.grid } : {}),
      tasks: s.tasks.map((t): TaskDoc => ({ id: t.id, stage: t.stage, kind: t.kind, worker: t.worker, runs: t.runs, needs: resolved.get(t.id)!, outputs: this.#outputs.get(t.id)! })),
    }));
    return { stages, pieces: this.#pieces };
  }
}
