/** Plan builder: illegal specs are refused with the layer and the rule; plans are well formed. */
import { INT8_DEPTH } from '../../shared/plan/wire.ts';
import { strict as assert } from 'node:assert';
import { buildPlan } from '../../planner/plan/build.ts';
import { equalDevices } from '../../planner/devices.ts';
import { specFromPreset } from '../../planner/presets.ts';
import type { PartitionSpec } from '../../planner/plan/spec.ts';
import { intersectSel, selVolume } from '../../shared/plan/sel.ts';
import { darknetModel } from '../support/models.ts';

describe('plan builder rules (PAPER §3.5)', () => {
  it('refuses FUSE1 before a pool, naming the layer and the rule', async () => {
    const { model } = await darknetModel('yolov2', 160);
    const spec: PartitionSpec = { devices: equalDevices(2), ftp: { layers: 12, grid: { rows: 2, cols: 2 } }, tail: { 16: 'fuse1' } };
    assert.throws(() => buildPlan(model, spec), /^PlanInfeasibleError: plan: layer 16: FUSE1 must be followed by FUSE2 on layer 17/);
  });

  it('refuses FTP across a dense layer', async () => {
    const { model } = await darknetModel('alexnet', 131);
    const spec: PartitionSpec = { devices: equalDevices(2), ftp: { layers: 9, grid: { rows: 1, cols: 1 } }, tail: {} };
    assert.throws(() => buildPlan(model, spec), /plan: layer 8: FTP cannot cross a dense layer/);
  });

  it('refuses a grid larger than the map', async () => {
    const { model } = await darknetModel('yolov2-tiny', 160);
    const spec: PartitionSpec = { devices: equalDevices(2), ftp: { layers: 10, grid: { rows: 6, cols: 6 } }, tail: {} };
    assert.throws(() => buildPlan(model, spec), /tiles: grid 6x6 does not fit a 5x5 map/);
  });

  it('refuses FUSE2 without FUSE1 and an FTP stack with two outputs', async () => {
    const { model } = await darknetModel('yolov2', 160);
    assert.throws(() => buildPlan(model, { devices: equalDevices(2), tail: { 13: 'fuse2' }, ftp: { layers: 12, grid: { rows: 1, cols: 1 } } }), /layer 13: FUSE2 must follow a FUSE1/);
    // Layer 16 feeds layer 17 and the route at 25: a stack 0..17 would need two outputs.
    assert.throws(() => buildPlan(model, { devices: equalDevices(2), tail: {}, ftp: { layers: 18, grid: { rows: 1, cols: 1 } } }), /layer 16: the FTP stack 0..17 must have one output/);
  });

  it('runs LIP with fewer input channels than devices on as many devices as channels (issue 10 #1)', async () => {
    const { model } = await darknetModel('yolov2-tiny', 160);
    const plan = buildPlan(model, { devices: equalDevices(4), tail: { 0: 'lip' } });
    const stage = plan.stages.find((s) => s.layers[0] <= 0 && s.layers[1] >= 0 && s.kind !== 'ingest')!;
    const workers = new Set(plan.pieces.filter((p) => p.stage === stage.id).map((p) => p.worker));
    assert.equal(workers.size, 3, `layer 0 (3 input channels) runs on ${[...workers].join(', ')}`);
  });

  it('wires every need to pieces that cover it exactly once', async () => {
    const { model } = await darknetModel('yolov2', 160);
    const plan = buildPlan(model, specFromPreset(model, { devices: equalDevices(3), ftpLayers: 12, grid: { rows: 3, cols: 3 }, tail: 'fused' }));
    const pieces = new Map(plan.pieces.map((p) => [p.id, p]));
    for (const s of plan.stages) {
      for (const t of s.tasks) {
        for (const n of t.needs) {
          const ps = n.pieces.map((id) => pieces.get(id)!);
          if (n.reduce) {
            assert.equal(ps.length, 3, `${t.id} reduces the partial sums of all 3 devices`);
            continue;
          }
          const covered = ps.reduce((a, p) => a + selVolume(intersectSel(p.sel, n.sel)!), 0);
          assert.equal(covered, selVolume(n.sel), `${t.id} need of layer ${n.sel.node}`);
        }
      }
    }
    assert.deepEqual(plan.layers.slice(12, 20).map((l) => l.partition), ['fuse1', 'fuse2', 'fuse1', 'fuse2', 'lop', 'local', 'fuse1', 'fuse2']);
  });

  it('gives unequal channel shares to unequal devices', async () => {
    const { model } = await darknetModel('yolov2-tiny', 160);
    const devices = equalDevices(2);
    const plan = buildPlan(model, { devices, shares: [3, 1], ftp: { layers: 6, grid: { rows: 1, cols: 2 } }, tail: {} });
    const lop = plan.stages.find((s) => s.id === 'L6')!;
    assert.deepEqual(lop.tasks.map((t) => t.runs[0]!.outChannels), [{ c0: 0, c1: 96 }, { c0: 96, c1: 128 }]);
  });

  it('states a wire dtype per piece: float16 by default, partial sums and the last quarter of the network never below float16 (issue 13 §3)', async () => {
    const { model } = await darknetModel('yolov2', 160);
    const spec = (dtype?: 'float32' | 'float16' | 'int8') => specFromPreset(model, { devices: equalDevices(3), ftpLayers: 12, grid: { rows: 3, cols: 3 }, tail: 'fused', dtype });
    assert.ok(buildPlan(model, spec()).pieces.every((p) => p.dtype === 'float16'));
    assert.ok(buildPlan(model, spec('float32')).pieces.every((p) => p.dtype === 'float32'));
    const q = buildPlan(model, spec('int8')).pieces;
    const late = (p: { sel: { node: number } }) => p.sel.node >= INT8_DEPTH * model.nodes.length;
    assert.ok(q.some((p) => p.partial) && q.some((p) => late(p)) && q.some((p) => p.dtype === 'int8'));
    assert.ok(q.every((p) => p.dtype === (p.partial || late(p) ? 'float16' : 'int8')));
  });
});
