/**
 * Per-class speeds (shared/plan/speed-profile.ts, worker/engine/speed.ts, profile-cache.ts): nodes
 * are classed the same way on both sides, a measured profile prices each run by its class, the
 * fit recovers fixed cost and rate, the cache is keyed by engine, and a real measurement through
 * the engine finds depthwise convs slower per FLOP than a 3×3 conv (issue 13: 1.2 vs 8.7 GFLOP/s).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { assetPath } from '../../shared/assets.ts';
import { nodeWork, runMs, workClass, type SpeedProfile } from '../../shared/plan/speed-profile.ts';
import { validateWorkerInfo } from '../../shared/wire/messages.ts';
import { equalDevices } from '../../planner/devices.ts';
import { buildPlan } from '../../planner/plan/build.ts';
import { taskCost } from '../../planner/cost-latency.ts';
import { fitClass, measureProfile } from '../../worker/engine/speed.ts';
import { cachedProfile } from '../../worker/engine/profile-cache.ts';
import { initBackend } from '../../worker/engine/backend.ts';

const profile: SpeedProfile = { engine: 'test', classes: { conv: { gflops: 10, fixedMs: 1 }, pointwise: { gflops: 5, fixedMs: 1 }, pool: { gflops: 1, fixedMs: 0.5 }, eltwise: { gflops: 0.5, fixedMs: 0.1 } } };

describe('speed profile: classes and prices', () => {
  it('classes nodes by kind and kernel; work is FLOPs or elements', async () => {
    const model = await loadDarknet(assetPath('darknet', 'yolov2-tiny.cfg'));
    const classes = model.nodes.map(workClass);
    assert.equal(classes[0], 'conv');
    assert.equal(classes[1], 'pool');
    assert.equal(classes[classes.length - 2], 'pointwise');
    assert.equal(classes[classes.length - 1], 'eltwise');
    assert.equal(nodeWork(model, model.nodes[classes.length - 1]!), model.nodes[classes.length - 1]!.out.h * model.nodes[classes.length - 1]!.out.w * model.nodes[classes.length - 1]!.out.c);
  });

  it('a measured device pays each run at its class rate plus the fixed cost; an unmeasured one at its one speed', async () => {
    const model = await loadDarknet(assetPath('darknet', 'yolov2-tiny.cfg'));
    const tail: Record<number, 'local'> = {};
    for (const n of model.nodes) tail[n.id] = 'local';
    const [dev] = equalDevices(1);
    const plan = buildPlan(model, { devices: [dev!], tail });
    const task = plan.stages.find((s) => s.kind === 'local')!.tasks[0]!;
    const plain = taskCost(model, task, dev!);
    assert.ok(Math.abs(plain.ms - plain.flops / (dev!.speed * 1e6)) < 1e-9 * plain.ms);
    const measured = taskCost(model, task, { ...dev!, profile });
    const expected = model.nodes.reduce((a, n) => a + runMs({ profile, speed: dev!.speed }, workClass(n), nodeWork(model, n), 0), 0);
    assert.ok(Math.abs(measured.ms - expected) < 1e-9 * expected, `${measured.ms} vs ${expected}`);
    assert.equal(measured.flops, plain.flops);
  });

  it('fits fixed cost and rate through two probes; noise that inverts them falls back to the rate', () => {
    const f = fitClass({ ms: 2 + 1e6 / 4e6, work: 1e6 }, { ms: 2 + 1e8 / 4e6, work: 1e8 });
    assert.ok(Math.abs(f.gflops - 4) < 1e-9 && Math.abs(f.fixedMs - 2) < 1e-3, JSON.stringify(f));
    assert.deepEqual(fitClass({ ms: 10, work: 1e6 }, { ms: 5, work: 1e7 }), { gflops: 1e7 / 5 / 1e6, fixedMs: 0 });
  });

  it('a worker info may carry a profile, checked on the wire', () => {
    const info = { id: 'a', version: '1', memoryBytes: 1, speedGflops: 1, linkBps: 1, backend: 'wasm' };
    assert.equal(validateWorkerInfo({ ...info, profile }), undefined);
    assert.match(validateWorkerInfo({ ...info, profile: { engine: 'x', classes: { gpu: { gflops: 1, fixedMs: 0 } } } }) ?? '', /profile class 'gpu'/);
  });
});

describe('speed profile: measuring and caching', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dt-speed-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('caches per engine: the second start reads the file, another engine measures', async () => {
    let runs = 0;
    const measure = async (): Promise<SpeedProfile> => (runs++, profile);
    const a = await cachedProfile('tfjs:wasm', measure, { dir });
    const b = await cachedProfile('tfjs:wasm', measure, { dir });
    const c = await cachedProfile('onnxruntime', measure, { dir });
    assert.deepEqual([a.cached, b.cached, c.cached, runs], [false, true, false, 2]);
    assert.equal(b.profile.engine, 'tfjs:wasm');
    assert.notEqual(a.file, c.file);
    assert.equal((await cachedProfile('tfjs:wasm', measure, { dir, refresh: true })).cached, false);
  });

  it('workers started together measure once: the others wait for the first one\'s file', async () => {
    let runs = 0;
    const slow = async (): Promise<SpeedProfile> => {
      runs++;
      await new Promise((r) => setTimeout(r, 300));
      return profile;
    };
    const all = await Promise.all([0, 1, 2].map(() => cachedProfile('together', slow, { dir })));
    assert.equal(runs, 1);
    assert.deepEqual(all.map((r) => r.cached).sort(), [false, true, true]);
  });

  it('measures through the engine: a mobile net\'s depthwise layer runs below a big 3x3 conv per FLOP', async () => {
    await initBackend();
    const p = await measureProfile({ budgetMs: 60 });
    assert.equal(p.engine, 'tfjs');
    for (const c of ['conv', 'pointwise', 'depthwise', 'dense', 'pool', 'resize', 'eltwise'] as const) assert.ok(p.classes[c]!.gflops > 0, c);
    // Effective GFLOP/s at real sizes: CenterNet's 32x32x240 depthwise 3x3, YOLOv2's 52x52 128→256 3x3.
    const dw = 2 * 9 * 240 * 32 * 32, conv = 2 * 9 * 128 * 256 * 52 * 52;
    const rate = (cls: 'conv' | 'depthwise', f: number): number => f / runMs({ profile: p, speed: 1 }, cls, f, f) / 1e6;
    assert.ok(rate('depthwise', dw) < rate('conv', conv), JSON.stringify(p.classes));
  });
});
