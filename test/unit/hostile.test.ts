/** The pure parts of issue 14 §4/§5: model references, plan and piece checks, the error rate limit, latest frame wins. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refusedModelRef, resolveModelRef } from '../../worker/model-ref.ts';
import { planShapeProblem } from '../../worker/plan-check.ts';
import { MAX_OPEN_FRAMES, pieceProblem } from '../../worker/runtime/piece-check.ts';
import { ErrorLimiter } from '../../shared/wire/error-limit.ts';
import { FrameGate } from '../../worker/runtime/frame-gate.ts';
import type { PieceDoc } from '../../shared/plan/types.ts';

const model = (source?: string, weights?: string) => ({ name: 'tiny', hash: 'h', input: { h: 64, w: 64, c: 3 }, ...(source ? { source } : {}), ...(weights ? { weights } : {}) });

describe('hostile input: pure checks', () => {
  it('a plan names model files, never paths', () => {
    for (const bad of ['/etc/shadow', '../x.cfg', 'a/b.cfg', '..', '.hidden', 'a\\b', 'x'.repeat(200)]) {
      assert.match(refusedModelRef(model(undefined, bad)) ?? '', /no paths/, bad);
      assert.match(refusedModelRef(model(bad)) ?? '', /no paths/, bad);
    }
    assert.equal(refusedModelRef(model('yolov2-tiny', 'yolov2-tiny.weights')), undefined);
    assert.equal(refusedModelRef({ ...model(), name: 'centernet' }), undefined);
  });

  it('bare names resolve in the model directories first, then the built-in models; nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-models-'));
    writeFileSync(join(dir, 'mine.cfg'), '[net]\n');
    writeFileSync(join(dir, 'mine.weights'), '');
    assert.deepEqual(resolveModelRef(model('mine.cfg', 'mine.weights'), [dir]), { source: join(dir, 'mine.cfg'), weights: join(dir, 'mine.weights') });
    assert.match(resolveModelRef(model('yolov2-tiny'), []).source, /assets\/darknet\/yolov2-tiny\.cfg$/);
    assert.throws(() => resolveModelRef(model('mine.cfg'), []), /neither built in nor in the model directories \(none: pass --model-dir\)/);
    assert.throws(() => resolveModelRef(model('yolov2-tiny', 'x.weights'), [dir]), /weights 'x.weights' are not in the model directories/);
    assert.throws(() => resolveModelRef(model(undefined, '/etc/shadow'), [dir]), /no paths/);
  });

  it('plan shapes: what the runtime would trip over is named', () => {
    const sel = { node: 0, region: { y0: 0, y1: 2, x0: 0, x1: 2 }, channels: { c0: 0, c1: 3 } };
    const piece = { id: 'in/p0', stage: 'in', worker: 'w0', sel, partial: false, dtype: 'float32' };
    const task = { id: 'a/t0', stage: 'a', kind: 'ftp', worker: 'w0', runs: [{ node: 0, region: sel.region }], needs: [{ sel, reduce: false, pieces: ['in/p0'] }], outputs: [] };
    const ok = { planId: 'p', dataSource: 'w0', model: model(), stages: [{ id: 'a', tasks: [task] }], pieces: [piece] };
    assert.equal(planShapeProblem(ok), undefined);
    assert.match(planShapeProblem({ ...ok, planId: 5 }) ?? '', /planId and dataSource/);
    assert.match(planShapeProblem({ ...ok, stages: [{ id: 'a', tasks: [{ ...task, kind: 'magic' }] }] }) ?? '', /known kind/);
    assert.match(planShapeProblem({ ...ok, stages: [{ id: 'a', tasks: [{ ...task, outputs: ['x'] }] }] }) ?? '', /outputs piece "x", which the plan does not define/);
    assert.match(planShapeProblem({ ...ok, pieces: [{ ...piece, sel: { ...sel, region: { y0: 2, y1: 2, x0: 0, x1: 2 } } }] }) ?? '', /empty region/);
  });

  it('pieces: only the plan\'s, where the plan puts them, and at most MAX_OPEN_FRAMES frames', () => {
    const sel = { node: 3, region: { y0: 0, y1: 4, x0: 2, x1: 6 }, channels: { c0: 0, c1: 8 } };
    const pieces = new Map<string, PieceDoc>([['s/p0', { id: 's/p0', stage: 's', worker: 'w1', sel, partial: false, dtype: 'float32' }]]);
    const h = { frame: 7, piece: 's/p0', shape: [4, 4, 8], region: sel.region, channels: sel.channels };
    const ctx = { pieces, open: false, openFrames: 0, topic: 't' };
    assert.equal(pieceProblem(h, ctx), undefined);
    assert.match(pieceProblem({ ...h, piece: 'zz' }, ctx) ?? '', /not in the plan/);
    assert.match(pieceProblem({ ...h, shape: [1, 1, 8], region: { y0: 0, y1: 1, x0: 2, x1: 3 } }, ctx) ?? '', /the plan says/);
    assert.match(pieceProblem(h, { ...ctx, openFrames: MAX_OPEN_FRAMES }) ?? '', /frames are already open/);
    assert.equal(pieceProblem(h, { ...ctx, open: true, openFrames: MAX_OPEN_FRAMES }), undefined);
  });

  it('the error rate limit: a burst, then a steady rate per code; the next message counts those held back', () => {
    let now = 0;
    const l = new ErrorLimiter({ burst: 3, perSecond: 1, now: () => now });
    assert.deepEqual([1, 2, 3, 4, 5].map(() => l.admit('bad-piece')), [{ held: 0 }, { held: 0 }, { held: 0 }, undefined, undefined]);
    assert.deepEqual(l.admit('bad-plan'), { held: 0 }, 'codes are limited apart');
    now = 1000;
    assert.deepEqual(l.admit('bad-piece'), { held: 2 });
    assert.equal(l.suppressed, 2);
    for (let i = 0; i < 100; i++) assert.ok(l.admit('frame-skipped'), 'one per frame: never held');
  });

  it('latest frame wins: in flight, then a bounded queue; each replaced frame is reported once', () => {
    const started: number[] = [], skipped: number[] = [];
    const intake = new FrameGate<number>({ limit: 2, maxWaiting: 2, admit: (n) => started.push(n), dropped: (n) => skipped.push(n) });
    for (let i = 1; i <= 10; i++) intake.offer('cam', i);
    assert.deepEqual(started, [1, 2]);
    assert.deepEqual(skipped, [3, 4, 5, 6, 7, 8]);
    assert.deepEqual([intake.inFlight('cam'), intake.waiting('cam')], [2, 2]);
    intake.done('cam');
    intake.done('cam');
    assert.deepEqual(started, [1, 2, 9, 10]);
    intake.offer('other', 1);
    assert.equal(intake.inFlight('other'), 1, 'cameras are apart');
    assert.deepEqual([...intake.clear()], []);
  });
});
