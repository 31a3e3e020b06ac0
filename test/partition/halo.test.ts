/** The exactness check can fail: a tile without its halo is caught, numerically or structurally. */
import { strict as assert } from 'node:assert';
import { buildPlan } from '../../planner/plan/build.ts';
import { equalDevices } from '../../planner/devices.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { verifyPlan } from '../../worker/verify.ts';
import type { PlanDoc, TaskDoc } from '../../shared/plan/types.ts';
import { darknetModel } from '../support/models.ts';

/** Shrink the second tile's input by its top halo row: the crop it needs is no longer there. */
function dropHaloRow(plan: PlanDoc): PlanDoc {
  const ftp = plan.stages.find((s) => s.kind === 'ftp')!;
  const tasks = ftp.tasks.map((t): TaskDoc => {
    const need = t.needs[0]!;
    if (need.sel.region.y0 === 0) return t;
    return { ...t, needs: [{ ...need, sel: { ...need.sel, region: { ...need.sel.region, y0: need.sel.region.y0 + 1 } } }] };
  });
  return { ...plan, stages: plan.stages.map((s) => (s === ftp ? { ...ftp, tasks } : s)) };
}

describe('halo', () => {
  before(() => initBackend('wasm'));

  it('a correct plan passes; zeros in place of the halo rows fail the check', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 96);
    const plan = buildPlan(model, { devices: equalDevices(2), ftp: { layers: 4, grid: { rows: 2, cols: 1 } }, tail: {}, dtype: 'float32' });
    const good = await verifyPlan({ model, weights, plan });
    assert.ok(good.ok, `max rel diff ${good.maxRelDiff}`);
    // The lower tile's input starts above its own rows: the first row is halo from the tile above.
    const bad = await verifyPlan({
      model, weights, plan,
      tamper: (task, _id, t) => {
        if (task.kind === 'ftp' && task.needs[0]!.sel.region.y0 > 0) t.data.fill(0, 0, t.shape.w * t.shape.c);
      },
    });
    assert.equal(bad.ok, false);
    assert.ok(bad.maxRelDiff > 1e-3, `max rel diff ${bad.maxRelDiff}`);
  });

  it('a plan whose tile reads one halo row less is refused when it runs', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 96);
    const plan = buildPlan(model, { devices: equalDevices(2), ftp: { layers: 4, grid: { rows: 2, cols: 1 } }, tail: {}, dtype: 'float32' });
    await assert.rejects(verifyPlan({ model, weights, plan: dropHaloRow(plan) }), /crop .* outside held/);
  });
});
