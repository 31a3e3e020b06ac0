/**
 * The control plane with the runtime (in-memory bus): Home Assistant discovery of the bridge, the
 * workers and a camera seen for the first time, valid by HA's rules; Frigate-shaped events; the
 * bridge request/response API, bad requests included.
 */
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { Topics } from '../../shared/topics.ts';
import { validateConfig, withDefaults } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/types.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { connect, startPlanner, startWorker } from '../../cli/stack.ts';
import { checkDeviceDiscovery, duplicateUniqueIds } from '../support/ha-rules.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, collect, fusedPlanFn } from '../support/runtime.ts';

function defaults(): Config {
  const r = validateConfig(withDefaults({}));
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.config;
}

describe('control plane: discovery, events, bridge API', function () {
  this.timeout(120_000);
  before(() => initBackend('wasm'));

  it('announces bridge, workers and a new camera; answers requests; publishes events', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const bus = new MemoryBus();
    const topics = new Topics();
    const client = await connect({ bus }, 'test-client');
    const discovery = await collect(client, `${topics.haPrefix}/device/+/config`);
    const events = await collect(client, topics.cameraEvents('+'));
    const responses = await collect(client, topics.bridgeResponse('+'));
    const workers = [];
    for (const id of ['w0', 'w1']) {
      workers.push(await startWorker({ bus }, topics, { id, memoryBytes: 4e9, speedGflops: 10, linkBps: 1e8, backend: 'wasm', preloaded: { model, weights }, extra: { decode: { threshold: 0.01 } } }));
    }
    const p = await startPlanner({ bus }, topics, { model, plan: fusedPlanFn('yolov2-tiny', 10), expectedWorkers: 2, waitMs: 10_000, config: defaults() });
    try {
      while (!(p.planner.plan && workers.every((w) => w.worker.plan?.planId === p.planner.plan?.planId))) await new Promise((r) => setTimeout(r, 50));
      const preds = await collect(client, topics.cameraPredictions('porch'));
      await topics.publish(client, topics.cameraFrame('porch'), DOG);
      await preds.next(1);
      assert.ok(typeof preds.messages[0]!.body.fps === 'number');
      // A camera not configured is announced once the planner saw it as a real frame source: the
      // predictions of the current plan name it, and its next frame arrives (planner/camera-witness.ts).
      await topics.publish(client, topics.cameraFrame('porch'), DOG);
      await preds.next(2);
      while (!discovery.messages.some((m) => m.topic.includes('camera_porch'))) await discovery.next(discovery.messages.length + 1, 10_000);
      const latest = new Map(discovery.messages.map((m) => [m.topic, m.body]));
      const ids = [...latest.keys()].map((t) => t.split('/')[2]);
      assert.ok(ids.some((id) => id!.endsWith('_bridge')), `bridge announced: ${ids}`);
      assert.ok(ids.some((id) => id!.includes('worker_w0')) && ids.some((id) => id!.includes('worker_w1')), `workers announced: ${ids}`);
      assert.ok(ids.some((id) => id!.includes('camera_porch')), `the camera seen first is announced: ${ids}`);
      for (const [topic, body] of latest) assert.deepEqual(checkDeviceDiscovery(topic, body), [], topic);
      assert.deepEqual(duplicateUniqueIds([...latest.values()]), []);
      assert.ok(events.messages.length > 0 && events.messages.every((e) => e.body.type === 'new' && e.body.after.camera === 'porch'));

      const planBefore = p.planner.plan!.planId;
      await topics.publish(client, topics.bridgeRequest('health'), { transaction: 7 });
      await topics.publish(client, topics.bridgeRequest('restart-worker'), { transaction: 8, id: 'nope' });
      await client.publish(topics.bridgeRequest('plan'), '{not json'); // raw on purpose: a malformed request
      await topics.publish(client, topics.bridgeRequest('plan'), { transaction: 9, objective: 'latency' });
      const r = await responses.next(4);
      const byTx = new Map(r.map((x: any) => [x.transaction, x]));
      assert.equal(byTx.get(7).status, 'ok');
      assert.equal(byTx.get(7).data.workersOnline, 2);
      assert.equal(byTx.get(8).status, 'error');
      assert.match(byTx.get(8).error, /unknown worker 'nope'/);
      assert.ok(r.some((x: any) => x.status === 'error' && /JSON/i.test(x.error)), 'bad JSON is answered with an error');
      assert.equal(byTx.get(9).status, 'ok');
      assert.notEqual(p.planner.plan!.planId, planBefore, 'the plan request re-planned');
      assert.equal(byTx.get(9).data.planId, p.planner.plan!.planId);
    } finally {
      await p.stop();
      for (const w of workers) { await w.worker.stop(); await w.transport.close(); }
      await client.close();
    }
  });
});
