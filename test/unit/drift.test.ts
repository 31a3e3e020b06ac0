/**
 * Re-plan on calibration drift (planner/drift.ts): the current plan is predicted again with today's
 * factors, and the planner switches only to a candidate more than 15 % faster, at most once a
 * minute, after enough frames.
 */
import assert from 'node:assert/strict';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { correctedLatency, driftDecision, DriftWatch, samePlanShape } from '../../planner/drift.ts';
import { Calibration } from '../../planner/calibration.ts';

const plan = {
  planId: 'p', stages: [{ id: 'ftp', kind: 'ftp' }, { id: 'tail', kind: 'lop' }],
  predicted: { latencyMs: 300, stages: [
    { stage: 'ftp', ms: 200, computeMs: 150, transferMs: 50, workers: ['a', 'b'] },
    { stage: 'tail', ms: 100, computeMs: 100, transferMs: 0, workers: ['c'] },
  ] },
} as unknown as PlanDoc;

describe('planner/drift', () => {
  it('corrected latency: each stage scaled by its slowest device\'s compute and link ratios', () => {
    assert.equal(correctedLatency(plan, new Map()), 300);
    const r = new Map([['a', { compute: 2, link: 1 }], ['b', { compute: 0.5, link: 3 }], ['c', { compute: 0.5, link: 1 }]]);
    assert.equal(correctedLatency(plan, r), 150 * 2 + 50 * 3 + 100 * 0.5);
    assert.equal(correctedLatency({ ...plan, predicted: { ...plan.predicted!, stages: undefined } } as PlanDoc, r), 300);
  });

  it('decision: only a candidate more than 15 % faster (hysteresis), with the numbers in the reason', () => {
    const yes = driftDecision({ currentMs: 1000, candidateMs: 800 });
    assert.ok(yes.replan);
    assert.match(yes.reason, /current plan 1000 ms .* best candidate 800 ms \(20 % faster\)/);
    assert.ok(!driftDecision({ currentMs: 1000, candidateMs: 860 }).replan);
    assert.ok(!driftDecision({ currentMs: 1000, candidateMs: 1200 }).replan);
    assert.ok(driftDecision({ currentMs: 1000, candidateMs: 920 }, { minGain: 0.05 }).replan);
  });

  it('a candidate of the same shape (same stages, tasks, workers, pieces) is no switch', () => {
    const doc = (worker: string) => ({ planId: Math.random().toString(), dataSource: 'w0', stages: [{ id: 'a', kind: 'seq', tasks: [{ id: 'a/t0', worker, runs: [] }] }], pieces: [] }) as unknown as PlanDoc;
    assert.ok(samePlanShape(doc('w1'), doc('w1')));
    assert.ok(!samePlanShape(doc('w1'), doc('w2')));
  });

  it('watch: due after a minute and 5 frames under the plan, then not again for a minute', () => {
    const w = new DriftWatch();
    w.planned(0);
    for (let i = 0; i < 4; i++) w.observed();
    assert.ok(!w.due(120_000), 'too few frames');
    w.observed();
    assert.ok(!w.due(59_000), 'plan too young');
    assert.ok(w.due(60_000));
    w.checked(60_000);
    assert.ok(!w.due(100_000));
    assert.ok(w.due(120_000));
    w.planned(130_000);
    assert.ok(!w.due(200_000), 'a new plan starts counting frames again');
  });

  it('calibration ratios: today\'s factors over the planned ones, back to 1 once a plan uses them', () => {
    const cal = new Calibration({ alpha: 1 });
    cal.planned(plan);
    cal.observe(plan, [{ stage: 'ftp', ms: 50 + 300 }, { stage: 'tail', ms: 100 }]);
    assert.equal(cal.ratios().get('a')!.compute, 2);
    assert.equal(cal.ratios().get('c')!.compute, 1);
    assert.equal(correctedLatency(plan, cal.ratios()), 150 * 2 + 50 + 100);
    cal.planned({ ...plan, planId: 'q' } as PlanDoc);
    assert.equal(cal.ratios().get('a')!.compute, 1);
  });
});
