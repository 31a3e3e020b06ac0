import assert from 'node:assert/strict';
import { PlanGuard } from '../../broker/plan-guard.ts';

const R = 'deeperthings/c1';
const plan = (planId: string, dataSource: string, pieces: [string, string][]) =>
  Buffer.from(JSON.stringify({ planId, dataSource, pieces: pieces.map(([id, worker]) => ({ id, stage: id.split('/')[0], worker })) }));

describe('broker: the plan guard', () => {
  it('allows a worker its assigned pieces and the data source its outputs, per cluster', () => {
    const g = new PlanGuard();
    assert.match(g.refusal('w0', `${R}/data/s0/p0`)!, /no plan of cluster 'c1' assigns pieces yet/);
    g.observe(`${R}/plan`, plan('A', 'w0', [['s0/p0', 'w0'], ['s0/p1', 'w1'], ['s1/p0', 'w1']]));
    assert.equal(g.refusal('w0', `${R}/data/s0/p0`), undefined);
    assert.match(g.refusal('w0', `${R}/data/s0/p1`)!, /assigns piece s0\/p1 to w1, not w0/);
    assert.equal(g.refusal('w1', `${R}/data/s1/p0`), undefined);
    assert.equal(g.refusal('w0', `${R}/cameras/front/predictions`), undefined);
    assert.match(g.refusal('w1', `${R}/cameras/front/snapshot`)!, /only the plan's data source \(w0\) publishes snapshot, not w1/);
    assert.equal(g.refusal('w1', `${R}/workers/w1/state`), undefined, 'not the plan\'s business');
    assert.match(g.refusal('w0', 'deeperthings/c2/data/s0/p0')!, /cluster 'c2'/);
  });

  it('keeps the previous plan for frames in flight; an empty plan withdraws; junk is ignored', () => {
    const g = new PlanGuard();
    g.observe(`${R}/plan`, plan('A', 'w0', [['s0/p0', 'w0']]));
    g.observe(`${R}/plan`, plan('B', 'w1', [['s0/p0', 'w1']]));
    assert.equal(g.refusal('w0', `${R}/data/s0/p0`), undefined, 'plan A still counts');
    g.observe(`${R}/plan`, Buffer.from('{not json'));
    g.observe(`${R}/plan`, plan('C', 'w1', [['s0/p0', 'w1']]));
    assert.match(g.refusal('w0', `${R}/data/s0/p0`)!, /to w1, not w0/, 'A is two plans ago');
    g.observe(`${R}/plan`, new Uint8Array());
    assert.match(g.refusal('w1', `${R}/data/s0/p0`)!, /no plan/);
  });

  it('reads a multi-level root', () => {
    const g = new PlanGuard('home/dt');
    g.observe('home/dt/c1/plan', plan('A', 'w0', [['s0/p0', 'w0']]));
    assert.equal(g.refusal('w0', 'home/dt/c1/data/s0/p0'), undefined);
    assert.match(g.refusal('w1', 'home/dt/c1/data/s0/p0')!, /not w1/);
  });
});

describe('broker: the plan guard on subscriptions', () => {
  it('lets a worker subscribe to the pieces its tasks need, one topic each', () => {
    const g = new PlanGuard();
    const doc = {
      planId: 'A', dataSource: 'w0', pieces: [{ id: 's0/p0', stage: 's0', worker: 'w0' }, { id: 's0/p1', stage: 's0', worker: 'w1' }],
      stages: [{ id: 's1', tasks: [{ id: 't0', worker: 'w0', needs: [{ pieces: ['s0/p0', 's0/p1'] }] }] }],
    };
    assert.match(g.subscribeRefusal('w0', `${R}/data/s0/p1`)!, /no plan of cluster 'c1'/);
    g.observe(`${R}/plan`, Buffer.from(JSON.stringify(doc)));
    assert.equal(g.subscribeRefusal('w0', `${R}/data/s0/p1`), undefined);
    assert.match(g.subscribeRefusal('w1', `${R}/data/s0/p0`)!, /no task of w1 needs piece s0\/p0/);
    assert.match(g.subscribeRefusal('w0', `${R}/data/#`)!, /never a wildcard/);
    assert.match(g.subscribeRefusal('w0', `${R}/data/s0/+`)!, /never a wildcard/);
    assert.equal(g.subscribeRefusal('w1', `${R}/plan`), undefined, 'not the plan\'s business');
  });

  it('work stealing: a stealing FTP stage\'s workers exchange steal messages, publish its tile outputs, read back their own', () => {
    const g = new PlanGuard();
    const tile = (id: string, worker: string) => ({ id, worker, needs: [{ pieces: ['in/p0'] }] });
    const doc = {
      planId: 'A', dataSource: 'w0',
      pieces: [{ id: 'in/p0', stage: 'in', worker: 'w0' }, { id: 'f/p0', stage: 'f', worker: 'w1' }, { id: 'f/p1', stage: 'f', worker: 'w2' }, { id: 'L9/p0', stage: 'L9', worker: 'w1' }],
      stages: [{ id: 'in', kind: 'ingest', tasks: [] }, { id: 'f', kind: 'ftp', tasks: [tile('f/t0', 'w1'), tile('f/t1', 'w2')] }, { id: 'L9', kind: 'lop', tasks: [{ id: 'L9/t0', worker: 'w1', needs: [{ pieces: ['f/p0', 'f/p1'] }] }] }],
    };
    g.observe(`${R}/plan`, Buffer.from(JSON.stringify(doc)));
    assert.equal(g.refusal('w2', `${R}/data/f/steal`), undefined, 'a request');
    assert.equal(g.refusal('w1', `${R}/data/f/steal.grant.w2`), undefined, 'a grant to another worker of the stage');
    assert.equal(g.refusal('w2', `${R}/data/f/steal.claim.w1`), undefined, 'a claim');
    assert.equal(g.refusal('w2', `${R}/data/f/p0`), undefined, 'the thief publishes w1\'s tile output');
    assert.match(g.refusal('w0', `${R}/data/f/steal`)!, /not w0/, 'w0 has no tile of f');
    assert.match(g.refusal('w1', `${R}/data/f/steal.grant.w0`)!, /not w1/, 'w0 cannot take tiles');
    assert.match(g.refusal('w2', `${R}/data/L9/p0`)!, /not w2/, 'the tail is not stolen');
    assert.equal(g.subscribeRefusal('w1', `${R}/data/f/steal`), undefined);
    assert.equal(g.subscribeRefusal('w1', `${R}/data/f/steal.grant.w1`), undefined);
    assert.match(g.subscribeRefusal('w1', `${R}/data/f/steal.grant.w2`)!, /no task of w1/, 'only grants addressed to it');
    assert.equal(g.subscribeRefusal('w2', `${R}/data/f/p1`), undefined, 'its own tile output, made by a thief');
    assert.match(g.subscribeRefusal('w2', `${R}/data/f/p0`)!, /no task of w2/);
  });
});
