/**
 * Configured cameras' `threshold` and `snapshot` reach the head (issue 10 #3: no config key that
 * nothing reads). The check for "no snapshot" ends on a later event: the other camera's snapshot.
 */
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { Topics } from '../../shared/topics.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { connect, startPlanner, startWorker } from '../../cli/stack.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, collect, fusedPlanFn } from '../support/runtime.ts';

describe('camera config in the head', function () {
  this.timeout(120_000);
  before(() => initBackend('wasm'));

  it('a camera\'s threshold and disabled snapshot apply to it only', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const bus = new MemoryBus();
    const topics = new Topics();
    const cameras = new Map([['porch', { threshold: 1, snapshotQuality: 0 }]]);
    const w = await startWorker({ bus }, topics, { id: 'w0', memoryBytes: 4e9, speedGflops: 10, linkBps: 1e8, backend: 'wasm', preloaded: { model, weights }, extra: { decode: { threshold: 0.01 }, snapshotQuality: 70, cameras } });
    const p = await startPlanner({ bus }, topics, { model, plan: fusedPlanFn('yolov2-tiny', 10), expectedWorkers: 1, waitMs: 10_000 });
    const client = await connect({ bus }, 'camera');
    try {
      while (!(p.planner.plan && w.worker.plan?.planId === p.planner.plan.planId)) await new Promise((r) => setTimeout(r, 50));
      const preds = await collect(client, topics.cameraPredictions('+'));
      const snaps: string[] = [];
      await client.subscribe(topics.cameraSnapshot('+'), (topic) => snaps.push(topic));
      await client.publish(topics.cameraFrame('porch'), DOG);
      await preds.next(1);
      await client.publish(topics.cameraFrame('front'), DOG);
      await preds.next(2);
      while (snaps.length === 0) await new Promise((r) => setTimeout(r, 20));
      const [porch, front] = preds.messages.map((m) => m.body);
      assert.deepEqual([porch.camera, porch.detections.length], ['porch', 0]);
      assert.ok(front.camera === 'front' && front.detections.length > 0);
      assert.deepEqual(snaps, [topics.cameraSnapshot('front')]);
    } finally {
      await p.stop();
      await w.worker.stop();
      await w.transport.close();
      await client.close();
    }
  });

  it('a camera\'s nms applies to it only: per-class keeps several labels per box, agnostic one', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const bus = new MemoryBus();
    const topics = new Topics();
    const cameras = new Map([['porch', { nms: 'per-class' as const, snapshotQuality: 0 }]]);
    const w = await startWorker({ bus }, topics, { id: 'w0', memoryBytes: 4e9, speedGflops: 10, linkBps: 1e8, backend: 'wasm', preloaded: { model, weights }, extra: { decode: { threshold: 0.01 }, snapshotQuality: 0, cameras } });
    const p = await startPlanner({ bus }, topics, { model, plan: fusedPlanFn('yolov2-tiny', 10), expectedWorkers: 1, waitMs: 10_000 });
    const client = await connect({ bus }, 'camera');
    try {
      while (!(p.planner.plan && w.worker.plan?.planId === p.planner.plan.planId)) await new Promise((r) => setTimeout(r, 50));
      const preds = await collect(client, topics.cameraPredictions('+'));
      await client.publish(topics.cameraFrame('porch'), DOG);
      await preds.next(1);
      await client.publish(topics.cameraFrame('front'), DOG);
      await preds.next(2);
      const [porch, front] = preds.messages.map((m) => m.body);
      const boxes = (d: { box: number[] }[]) => new Set(d.map((x) => x.box.join(','))).size;
      assert.equal(boxes(front.detections), front.detections.length, 'agnostic (the default): one label per box');
      assert.ok(porch.detections.length > boxes(porch.detections), `per-class: several labels on some box (${porch.detections.length} on ${boxes(porch.detections)} boxes)`);
    } finally {
      await p.stop();
      await w.worker.stop();
      await w.transport.close();
      await client.close();
    }
  });
});
