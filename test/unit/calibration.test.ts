/**
 * The planner corrects itself (planner/calibration.ts): measured stage times that differ from the
 * plan's predicted stages move an exponentially weighted factor per device (compute) or per link
 * (transfer) toward the measurement, and the next plan sees the devices slowed or sped up by it.
 */
import assert from 'node:assert/strict';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { assetPath } from '../../shared/assets.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { equalDevices } from '../../planner/devices.ts';
import { choosePlan } from '../../planner/choose/choose.ts';
import { Calibration, groupedPredictions } from '../../planner/calibration.ts';

async function splitPlan(): Promise<PlanDoc> {
  const model = await loadDarknet(assetPath('darknet', 'yolov2-tiny.cfg'));
  const c = await choosePlan(model, equalDevices(2).map((d) => ({ ...d, linkBps: 1e9 })), { objective: 'latency', ftpLayers: 8, grid: { rows: 2, cols: 2 } });
  return c.chosen.plan;
}

describe('planner/calibration', () => {
  let plan: PlanDoc;
  before(async () => { plan = await splitPlan(); });

  it('predicted stages carry compute and transfer parts that add up to each stage', () => {
    const stages = plan.predicted!.stages!;
    assert.ok(stages.length >= 3);
    assert.equal(stages[stages.length - 1]!.stage, 'head');
    for (const s of stages) assert.ok(Math.abs(s.computeMs + s.transferMs - s.ms) < 0.11, s.stage);
    const total = stages.reduce((a, s) => a + s.ms, 0);
    assert.ok(Math.abs(total - plan.predicted!.latencyMs) < 0.1 * stages.length + 1, `${total} vs ${plan.predicted!.latencyMs}`);
  });

  it('compute twice as slow as predicted moves the stage workers\' factors toward 2, and the next plan sees half the speed', () => {
    const cal = new Calibration({ alpha: 0.2 });
    cal.planned(plan);
    const compute = plan.predicted!.stages!.filter((s) => s.computeMs >= s.transferMs && s.ms >= 0.5);
    const measured = plan.predicted!.stages!.map((s) => ({ stage: s.stage, ms: s.computeMs >= s.transferMs ? s.transferMs + 2 * s.computeMs : s.ms }));
    let last = 1;
    for (let i = 0; i < 30; i++) {
      cal.observe(plan, measured);
      const f = cal.snapshot().compute[compute[0]!.workers[0]!]!;
      assert.ok(f >= last - 1e-9 && f <= 2 + 1e-9, `frame ${i}: factor ${f} after ${last}`);
      last = f;
    }
    assert.ok(Math.abs(last - 2) < 0.01, `factor ${last}`);
    assert.equal(cal.snapshot().frames, 30);
    const [d] = cal.apply(plan.devices.filter((x) => x.id === compute[0]!.workers[0]));
    assert.ok(Math.abs(d!.speed - plan.devices[0]!.speed / last) < 1e-2, `${d!.speed}`);
  });

  it('slow transfers move the link factor; frames of another plan are ignored', () => {
    const cal = new Calibration({ alpha: 0.5 });
    cal.planned(plan);
    const transfer = plan.predicted!.stages!.find((s) => s.transferMs > s.computeMs && s.ms >= 0.5);
    assert.ok(transfer, 'a transfer-bound stage');
    cal.observe({ ...plan, planId: 'other' }, [{ stage: transfer.stage, ms: 10 * transfer.ms }]);
    assert.deepEqual(cal.snapshot(), { compute: {}, link: {}, frames: 0 });
    cal.observe(plan, [{ stage: transfer.stage, ms: transfer.computeMs + 3 * transfer.transferMs }]);
    const f = cal.snapshot().link[transfer.workers[0]!]!;
    assert.ok(Math.abs(f - Math.sqrt(3)) < 1e-3, `link factor ${f}`);
    const [d] = cal.apply(plan.devices.filter((x) => x.id === transfer.workers[0]));
    assert.ok(d!.linkBps < plan.devices[0]!.linkBps);
  });

  it('predictions that report stages per kind (ingest, ftp, tail, head) calibrate against the predicted stages summed by kind', () => {
    const grouped = groupedPredictions(plan);
    assert.deepEqual(grouped.map((g) => g.stage), ['ingest', 'ftp', 'tail', 'head'].filter((k) => grouped.some((g) => g.stage === k)));
    const total = grouped.reduce((a, g) => a + g.ms, 0);
    assert.ok(Math.abs(total - plan.predicted!.stages!.reduce((a, s) => a + s.ms, 0)) < 1e-6);
    const cal = new Calibration({ alpha: 1 });
    cal.planned(plan);
    const busy = grouped.find((g) => g.computeMs >= g.transferMs && g.ms >= 0.5)!;
    cal.observe(plan, [{ stage: busy.stage, ms: busy.transferMs + 2 * busy.computeMs }]);
    for (const w of busy.workers) assert.ok(Math.abs(cal.snapshot().compute[w]! - 2) < 1e-3, `${w}: ${JSON.stringify(cal.snapshot())}`);
  });
});
