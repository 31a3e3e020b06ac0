/**
 * Hostile input on the in-memory bus (issue 14 §4): 10,000 seeded messages from a stranger over
 * every topic the workers and the planner subscribe to (test/support/hostile.ts). Nothing throws,
 * memory stays bounded, no message gives more than one error and each code is rate-limited, the
 * plan survives (phantoms are left out once silent, forged `offline` is answered), forged
 * predictions create no Home Assistant device, and a good frame afterwards gets the single-device
 * predictions.
 */
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { inferImage } from '../../worker/infer.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, assertSameDetections, collect } from '../support/runtime.ts';
import { brokenPlans, hostileCluster, hostileMessages } from '../support/hostile.ts';

const SEED = 14;

/** Per worker and code, the errors the rate limit lets through in `seconds` (shared/wire/error-limit.ts). */
const allowed = (seconds: number) => 20 + 5 * seconds + 1;

describe('hostile input on the in-memory bus', function () {
  this.timeout(180_000);
  before(() => initBackend('wasm'));

  it('10,000 stranger messages on every subscribed topic: no crash, bounded memory and errors, the plan and a good frame survive', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const c = await hostileCluster({ bus: new MemoryBus() }, model, weights);
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      const plan = await c.settled();
      // A first frame compiles the kernels (seconds on a shared CPU), so the last one measures the fuzz only.
      const warm = await collect(c.client, c.topics.cameraPredictions('front'));
      await c.client.publish(c.topics.cameraFrame('front'), DOG);
      await warm.next(1, 60_000);
      const errors = await collect(c.client, c.topics.errors());
      const discovery = await collect(c.client, `${c.topics.haPrefix}/device/+/config`);
      const rss0 = process.memoryUsage().rss;
      const t0 = Date.now();
      let sent = 0;
      for (const m of hostileMessages({ topics: c.topics, plan, workers: ['w0', 'w1'], count: 10_000, seed: SEED, frames: true })) {
        await c.client.publish(m.topic, m.payload, { retain: m.retain ?? false, qos: 0 });
        if (++sent % 200 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      // Remove what the stranger left retained on the plan topic (the planner puts its plan back too).
      await c.client.publish(c.topics.plan(), '', { retain: true, qos: 1 });
      const fuzzSeconds = (Date.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 9000));
      const seconds = (Date.now() - t0) / 1000;

      assert.deepEqual(rejections, [], 'no unhandled rejection');
      assert.ok(errors.messages.length <= sent, `${errors.messages.length} errors for ${sent} messages`);
      const perCode = new Map<string, number>();
      for (const { body } of errors.messages) perCode.set(`${body.worker ?? 'planner'} ${body.code}`, (perCode.get(`${body.worker ?? 'planner'} ${body.code}`) ?? 0) + 1);
      for (const [key, n] of perCode) {
        if (/frame-(skipped|dropped)/.test(key)) continue;
        assert.ok(n <= allowed(seconds), `${key}: ${n} errors in ${seconds.toFixed(1)} s (rate limit allows ${allowed(seconds)})`);
      }
      const codes = new Set(errors.messages.map((m) => m.body.code));
      for (const code of ['bad-piece', 'bad-plan', 'plan-refused']) assert.ok(codes.has(code), `a '${code}' error among ${[...codes].join(', ')}`);
      assert.ok(c.workers.every((w) => w.worker.counters.suppressedErrors > 0), 'the rate limit held errors back');

      const after = await c.settled(30_000);
      const ghosts = discovery.messages.filter((m) => m.topic.includes('camera_ghost'));
      assert.deepEqual(ghosts.map((m) => m.topic), [], 'forged predictions create no Home Assistant device');

      const rss1 = process.memoryUsage().rss;
      assert.ok(rss1 - rss0 < 400e6, `RSS grew ${((rss1 - rss0) / 1e6).toFixed(0)} MB over the fuzz (${fuzzSeconds.toFixed(1)} s)`);

      const preds = await collect(c.client, c.topics.cameraPredictions('front'));
      await c.client.publish(c.topics.cameraFrame('front'), DOG);
      const got = (await preds.next(1, 60_000)).find((p) => p.plan === after.planId) ?? (await preds.next(2, 60_000))[1];
      const single = await inferImage({ model, weights, image: DOG, decode: { threshold: 0.005 } });
      assert.ok(single.prediction.kind === 'detections' && got.detections.length > 0);
      assertSameDetections(got.detections, single.prediction.detections);
    } finally {
      process.off('unhandledRejection', onRejection);
      await c.stop();
    }
  });

  it('each broken retained plan is refused with a code and the workers keep serving theirs', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const c = await hostileCluster({ bus: new MemoryBus() }, model, weights);
    try {
      const plan = await c.settled();
      for (const bad of [...brokenPlans(plan), { kind: 'plan-empty', payload: '' }]) {
        const errors = await collect(c.client, c.topics.errors());
        await c.client.publish(c.topics.plan(), bad.payload, { retain: true, qos: 1 });
        const got = await errors.next(2, 10_000);
        assert.ok(got.every((e) => ['bad-plan', 'plan-refused'].includes(e.code)), `${bad.kind}: ${got.map((e) => `${e.code} ${e.message}`).join(' | ')}`);
        if (/shadow|traversal/.test(bad.kind)) assert.ok(got.every((e) => e.code === 'plan-refused' && /no paths/.test(e.message)), bad.kind);
        assert.ok(c.workers.every((w) => w.worker.plan?.planId === plan.planId), `${bad.kind}: workers keep plan ${plan.planId}`);
      }
    } finally {
      await c.stop();
    }
  });

  it('a phantom worker is left out once silent, and a forged offline does not evict a live worker', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const c = await hostileCluster({ bus: new MemoryBus() }, model, weights);
    try {
      const plan = await c.settled();
      const errors = await collect(c.client, c.topics.errors());
      await c.client.publish(c.topics.workerState('w1'), 'offline', { retain: true, qos: 1 });
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(c.planner.planner.plan!.planId, plan.planId, 'a forged offline answered by the worker keeps the plan');

      const info = { id: 'a-phantom', version: '1', memoryBytes: 8e9, speedGflops: 500, linkBps: 1e9, backend: 'phantom' };
      await c.client.publish(c.topics.workerInfo('a-phantom'), JSON.stringify(info), { retain: true, qos: 1 });
      await c.client.publish(c.topics.workerState('a-phantom'), 'online', { retain: true, qos: 1 });
      const silent = (await errors.next(1, 10_000)).find((e) => e.code === 'worker-silent');
      assert.ok(silent && /a-phantom/.test(silent.message), JSON.stringify(errors.messages.map((m) => m.body)));
      const after = await c.settled(10_000);
      assert.ok(!after.devices.some((d) => d.id === 'a-phantom'));
      assert.equal(after.dataSource, plan.dataSource, 'a newcomer does not take the cameras');
    } finally {
      await c.stop();
    }
  });
});
