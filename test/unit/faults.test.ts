/** The pure pieces of issue 14 §1: retained inputs, re-run, liveness, the planner's frame ledger, adoption, standby plans. */
import { strict as assert } from 'node:assert';
import { RetainedFrames } from '../../worker/runtime/retained-frames.ts';
import { rerunFrames } from '../../worker/runtime/rerun.ts';
import type { FrameMeta } from '../../worker/tasks/frame-meta.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { Liveness } from '../../planner/liveness.ts';
import { FrameLedger } from '../../planner/frame-ledger.ts';
import { adoptable, parseRetainedPlan } from '../../planner/adopt.ts';
import { StandbyPlans } from '../../planner/standby.ts';
import type { PlanDevice, PlanDoc } from '../../shared/plan/types.ts';

const input = (v: number): Tensor3 => ({ shape: { h: 1, w: 1, c: 1 }, data: new Float32Array([v]) });
const meta = (frame: number, camera = 'cam'): FrameMeta => ({ frame, camera, width: 1, height: 1, transform: { scale: 1, dx: 0, dy: 0 } as never, frameTime: 1000 + frame, t0: 0, stages: new Map([['x', 1]]) });
const plan = (devices: string[], dataSource = devices[0]!, model = 'tiny'): PlanDoc => ({ planId: `p-${devices.join('')}`, devices: devices.map((id) => ({ id })), dataSource, model: { name: model } } as unknown as PlanDoc);

describe('faults: retained frames (K per camera)', () => {
  it('keeps the last K inputs per camera, forgets answered ones', () => {
    const r = new RetainedFrames({ perCamera: 2 });
    for (let f = 1; f <= 3; f++) r.keep(meta(f), input(f));
    r.keep(meta(4, 'other'), input(4));
    assert.equal(r.get(1), undefined, 'frame 1 fell out of the window of 2');
    assert.equal(r.get(2)?.input.data[0], 2);
    assert.equal(r.size, 3);
    r.release(2);
    assert.equal(r.get(2), undefined);
    assert.equal(r.size, 2);
  });

  it('K = 0 keeps nothing', () => {
    const r = new RetainedFrames({ perCamera: 0 });
    r.keep(meta(1), input(1));
    assert.equal(r.size, 0);
  });
});

describe('faults: re-running the frames of a replaced plan', () => {
  it('re-runs retained and waiting frames with their number and capture time; reports the rest once each', () => {
    const r = new RetainedFrames({ perCamera: 1 });
    r.keep(meta(1), input(1));
    r.keep(meta(2), input(2)); // frame 1 leaves the window
    const ran: FrameMeta[] = [], errors: { code: string; frame: number }[] = [];
    const n = rerunFrames({
      left: [{ meta: meta(1) }, { meta: meta(2) }, { meta: meta(3), input: input(3) }], retained: r, reason: 'plan a replaced by b',
      ingest: (m) => ran.push(m), error: (code, _m, extra) => errors.push({ code, frame: extra.frame }),
    });
    assert.equal(n, 2);
    assert.deepEqual(ran.map((m) => [m.frame, m.frameTime, m.rerun]), [[2, 1002, 1], [3, 1003, undefined]]);
    assert.equal(ran[0]!.stages.size, 0, 'stage times start again');
    assert.deepEqual(errors, [{ code: 'frame-dropped', frame: 1 }]);
  });

  it('every frame is reported when this worker is no longer the data source', () => {
    const errors: number[] = [];
    rerunFrames({ left: [{ meta: meta(5) }, { meta: meta(6), input: input(6) }], retained: new RetainedFrames(), reason: 'r', ingest: undefined, error: (_c, _m, e) => errors.push(e.frame) });
    assert.deepEqual(errors, [5, 6]);
  });
});

describe('faults: liveness by stats', () => {
  it('a worker silent past the timeout is reported once, and counts again when heard from', () => {
    let now = 0;
    const l = new Liveness({ timeoutMs: 30, now: () => now });
    l.seen('a');
    assert.deepEqual(l.expired(['a', 'b']), []);
    now = 31;
    assert.deepEqual(l.expired(['a', 'b', 'c']), ['a', 'b'], 'b was first listed at 0; c is new: its grace starts now');
    assert.deepEqual(l.expired(['a', 'c']), [], 'once');
    assert.equal(l.seen('a'), true, 'back');
    assert.equal(l.seen('a'), false);
  });
});

describe('faults: the planner frame ledger', () => {
  it('each answer settles the oldest frame of its camera; the rest are taken once', () => {
    const l = new FrameLedger({ maxPending: 3 });
    for (let i = 0; i < 4; i++) l.frame('a', i);
    l.frame('b', 9);
    l.answered('a');
    l.answered('c');
    assert.deepEqual([...l.takeAll()], [['a', [2, 3]], ['b', [9]]]);
    assert.equal(l.takeAll().size, 0);
  });
});

describe('faults: a restarted planner adopts the retained plan', () => {
  it('when its model matches and every worker it names is online', () => {
    assert.equal(adoptable(plan(['w0', 'w1']), 'tiny', ['w0', 'w1', 'w2']), true);
    assert.equal(adoptable(plan(['w0', 'w1']), 'tiny', ['w0']), false);
    assert.equal(adoptable(plan(['w0', 'w1']), 'other', ['w0', 'w1']), false);
    assert.equal(adoptable(undefined, 'tiny', ['w0']), false);
  });

  it('parses retained payloads, empty or junk as none', () => {
    assert.equal(parseRetainedPlan(new Uint8Array()), undefined);
    assert.equal(parseRetainedPlan(Buffer.from('{"x":1')), undefined);
    assert.equal(parseRetainedPlan(Buffer.from(JSON.stringify(plan(['w0']))))?.planId, 'p-w0');
  });
});

describe('faults: standby plans', () => {
  const dev = (id: string): PlanDevice => ({ id, memoryBytes: 1, speed: 1, linkBps: 1 });
  it('plans each set once in the background; a take is a copy with a new plan id', async () => {
    const s = new StandbyPlans();
    const made: string[] = [];
    s.prepare([[dev('a')], [dev('b')], [dev('a')]], 'latency', async (d) => { made.push(d.map((x) => x.id).join()); return plan(d.map((x) => x.id)); }, 0);
    await s.idle();
    assert.deepEqual(made, ['a', 'b']);
    const p = s.take([dev('a')], 'latency')!;
    assert.notEqual(p.planId, 'p-a');
    assert.deepEqual(p.devices, [{ id: 'a' }]);
    assert.equal(s.take([dev('a')], 'fps'), undefined, 'per objective');
  });
});
