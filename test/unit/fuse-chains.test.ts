/** Chain fusion (planner/plan/fuse-chains.ts): which tasks merge, which don't, and the plan stays wired. */
import { strict as assert } from 'node:assert';
import { fuseChains } from '../../planner/plan/fuse-chains.ts';
import { buildPlan } from '../../planner/plan/build.ts';
import { equalDevices } from '../../planner/devices.ts';
import { specFromPreset } from '../../planner/presets.ts';
import { intersectSel, selVolume } from '../../shared/plan/sel.ts';
import type { PieceDoc, PlanDoc, TaskDoc, TaskKind, TensorSel } from '../../shared/plan/types.ts';
import { darknetModel } from '../support/models.ts';

const REGION = { y0: 0, y1: 4, x0: 0, x1: 4 };
const sel = (node: number): TensorSel => ({ node, region: REGION, channels: { c0: 0, c1: 8 } });

/** A task `<stage>/t<k>` on `worker` running `nodes`, needing pieces `<stage>/p<k>` whose node is the stage number (`L3` → node 3, `in` → -1). */
interface T { id: string; worker: string; kind?: TaskKind; nodes?: number[]; needs?: string[]; outputs?: string[] }
const layersOf = (stage: string): [number, number] => (stage === 'in' ? [-1, -1] : stage === 'head' ? [9, 9] : [Number(stage.slice(1)), Number(stage.slice(1))]);
const nodeOf = (piece: string): number => (piece.startsWith('in/') ? -1 : Number(piece.slice(1, piece.indexOf('/'))));

function plan(tasks: T[]): PlanDoc {
  const docs: TaskDoc[] = tasks.map((t) => ({
    id: t.id, stage: t.id.split('/')[0]!, kind: t.kind ?? 'lop', worker: t.worker,
    runs: (t.nodes ?? []).map((node) => ({ node, region: REGION })),
    needs: (t.needs ?? []).map((p) => ({ sel: sel(nodeOf(p)), reduce: false, pieces: [p] })), outputs: t.outputs ?? [],
  }));
  const stageIds = [...new Set(docs.map((t) => t.stage))];
  const pieces: PieceDoc[] = docs.flatMap((t) => t.outputs.map((id) => ({ id, stage: t.stage, worker: t.worker, sel: sel(nodeOf(id)), partial: false, dtype: 'float32' as const })));
  return {
    version: 1, planId: 'p', createdAt: '', model: { name: 'm', hash: 'h', input: { h: 4, w: 4, c: 8 } }, devices: [], dataSource: 'A', objective: 'spec', layers: [],
    stages: stageIds.map((id) => ({ id, kind: docs.find((t) => t.stage === id)!.kind, layers: layersOf(id), tasks: docs.filter((t) => t.stage === id) })),
    pieces,
  };
}

const fuse = (p: PlanDoc): PlanDoc => fuseChains(p, () => 8);
const tasksOf = (p: PlanDoc): TaskDoc[] => p.stages.flatMap((s) => s.tasks);
const ingest: T = { id: 'in/t0', worker: 'A', kind: 'ingest', outputs: ['in/p0'] };
const head = (needs: string[], worker = 'A'): T => ({ id: 'head/t0', worker, kind: 'head', needs });

/** Every need's pieces exist and cover it; every piece is produced by exactly one task and named after its stage. */
function assertWired(p: PlanDoc): void {
  const pieces = new Map(p.pieces.map((x) => [x.id, x]));
  const produced = tasksOf(p).flatMap((t) => t.outputs);
  assert.deepEqual([...produced].sort(), [...pieces.keys()].sort(), 'pieces produced exactly once');
  for (const s of p.stages) for (const t of s.tasks) for (const id of t.outputs) assert.ok(id.startsWith(`${s.id}/`) && pieces.get(id)!.stage === s.id, `${id} in stage ${s.id}`);
  for (const t of tasksOf(p)) {
    for (const n of t.needs) {
      const ps = n.pieces.map((id) => pieces.get(id));
      assert.ok(ps.every((x) => x !== undefined), `${t.id} needs pieces ${n.pieces.join(', ')}, all in the plan`);
      if (!n.reduce) assert.equal(ps.reduce((a, x) => a + selVolume(intersectSel(x!.sel, n.sel) ?? { ...n.sel, channels: { c0: 0, c1: 0 } }), 0), selVolume(n.sel), `${t.id} need of ${n.sel.node}`);
    }
  }
}

describe('chain fusion (planner/plan/fuse-chains.ts)', () => {
  it('a chain on one worker becomes one task: runs concatenated, the piece between them dropped, the last one re-homed', () => {
    const p = fuse(plan([ingest, { id: 'L0/t0', worker: 'A', nodes: [0], needs: ['in/p0'], outputs: ['L0/p0'] },
      { id: 'L1/t0', worker: 'A', kind: 'local', nodes: [1], needs: ['L0/p0'], outputs: ['L1/p0'] }, head(['L1/p0'])]));
    assert.deepEqual(tasksOf(p).map((t) => [t.id, t.kind, t.runs.map((r) => r.node), t.outputs]), [
      ['in/t0', 'ingest', [], ['in/p0']], ['L0/t0', 'seq', [0, 1], ['L0/p1']], ['head/t0', 'head', [], []]]);
    assert.deepEqual(tasksOf(p)[2]!.needs[0]!.pieces, ['L0/p1']);
    assert.deepEqual(p.stages.map((s) => [s.id, s.kind, s.layers]), [['in', 'ingest', [-1, -1]], ['L0', 'seq', [0, 1]], ['head', 'head', [9, 9]]]);
    assertWired(p);
  });

  it('does not merge a consumer that also waits for another worker\'s piece', () => {
    const before = plan([ingest, { id: 'L0/t0', worker: 'A', nodes: [0], needs: ['in/p0'], outputs: ['L0/p0'] }, { id: 'L1/t0', worker: 'B', nodes: [1], needs: ['in/p0'], outputs: ['L1/p0'] },
      { id: 'L2/t0', worker: 'A', nodes: [2], needs: ['L0/p0', 'L1/p0'], outputs: ['L2/p0'] }, head(['L2/p0'])]);
    assert.equal(tasksOf(fuse(before)).length, 5);
  });

  it('does not merge when a piece of the producer also goes to another worker', () => {
    const before = plan([ingest, { id: 'L0/t0', worker: 'A', nodes: [0], needs: ['in/p0'], outputs: ['L0/p0'] },
      { id: 'L1/t0', worker: 'A', nodes: [1], needs: ['L0/p0'], outputs: ['L1/p0'] }, { id: 'L1/t1', worker: 'B', nodes: [1], needs: ['L0/p0'], outputs: ['L1/p1'] }, head(['L1/p0', 'L1/p1'])]);
    assert.equal(tasksOf(fuse(before)).length, 5);
  });

  it('merges a branch and its join when everything after the producer stays on its worker (a one-device DAG)', () => {
    const p = fuse(plan([ingest, { id: 'L0/t0', worker: 'A', nodes: [0], needs: ['in/p0'], outputs: ['L0/p0'] },
      { id: 'L1/t0', worker: 'A', nodes: [1], needs: ['L0/p0'], outputs: ['L1/p0'] }, { id: 'L2/t0', worker: 'A', nodes: [2], needs: ['L0/p0'], outputs: ['L2/p0'] },
      { id: 'L3/t0', worker: 'A', nodes: [3], needs: ['L1/p0', 'L2/p0', 'in/p0'], outputs: ['L3/p0'] }, head(['L3/p0'])]));
    // L3 also needs the frame, which L0 needs too: there before the fused task starts.
    assert.deepEqual(tasksOf(p).map((t) => [t.id, t.runs.map((r) => r.node)]), [['in/t0', []], ['L0/t0', [0, 1, 2, 3]], ['head/t0', []]]);
    assert.deepEqual(p.pieces.map((x) => x.id), ['in/p0', 'L0/p1']);
    assertWired(p);
  });

  it('keeps a piece the head needs as an output, and never fuses ingest or the head', () => {
    const p = fuse(plan([ingest, { id: 'L0/t0', worker: 'A', nodes: [0], needs: ['in/p0'], outputs: ['L0/p0'] },
      { id: 'L1/t0', worker: 'A', nodes: [1], needs: ['L0/p0'], outputs: ['L1/p0'] }, head(['L0/p0', 'L1/p0'])]));
    assert.deepEqual(tasksOf(p).map((t) => [t.id, t.runs.map((r) => r.node), t.outputs]), [['in/t0', [], ['in/p0']], ['L0/t0', [0, 1], ['L0/p0', 'L0/p1']], ['head/t0', [], []]]);
    assertWired(p);
  });

  it('does not merge when the head, on another worker, waits for the producer\'s piece', () => {
    const before = plan([{ ...ingest, worker: 'B' }, { id: 'L0/t0', worker: 'A', nodes: [0], needs: ['in/p0'], outputs: ['L0/p0'] },
      { id: 'L1/t0', worker: 'A', nodes: [1], needs: ['L0/p0'], outputs: ['L1/p0'] }, head(['L0/p0', 'L1/p0'], 'B')]);
    assert.equal(tasksOf(fuse(before)).length, 4);
  });

  it('built plans: one device is ingest → one task → head; N=3 plans stay wired (yolov2, tiny)', async () => {
    for (const name of ['yolov2', 'tiny']) {
      const { model } = await darknetModel(name, 96);
      const one = buildPlan(model, specFromPreset(model, { devices: equalDevices(1), ftpLayers: 0, tail: 'seq' }));
      assert.deepEqual(tasksOf(one).map((t) => t.kind), ['ingest', 'seq', 'head'], name);
      assert.deepEqual(tasksOf(one)[1]!.runs.map((r) => r.node), model.nodes.map((n) => n.id));
      assertWired(one);
      for (const tail of ['seq', 'lop', 'fused'] as const) {
        const spec = specFromPreset(model, { devices: equalDevices(3), ftpLayers: 4, grid: { rows: 2, cols: 2 }, tail });
        const [fused, unfused] = [buildPlan(model, spec), buildPlan(model, spec, { fuseChains: false })];
        assertWired(fused);
        assert.ok(tasksOf(fused).length <= tasksOf(unfused).length);
        const flops = (p: PlanDoc) => tasksOf(p).flatMap((t) => t.runs.map((r) => `${t.worker} ${r.node} ${JSON.stringify(r)}`)).sort();
        assert.deepEqual(flops(fused), flops(unfused), `${name} ${tail}: the same runs on the same workers`);
      }
    }
  });
});
