/**
 * Hostile input through a real broker (issue 14 §4, the transport level): the embedded aedes at
 * port 0, open (loopback) mode, 2 workers and a planner over MQTT. A stranger sends 2,000 seeded
 * messages (test/support/hostile.ts) on every subscribed topic, as QoS 0 publishes back to back;
 * the clients stay connected, the plan survives and a good frame afterwards gets the single-device
 * predictions. The wide pass (10,000 messages) runs on the in-memory bus (test/runtime/hostile-fuzz.test.ts).
 */
import { strict as assert } from 'node:assert';
import { EmbeddedBroker } from '../../broker/server.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { inferImage } from '../../worker/infer.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, assertSameDetections, collect } from '../support/runtime.ts';
import { hostileCluster, hostileMessages } from '../support/hostile.ts';

describe('hostile input through the embedded broker', function () {
  this.timeout(180_000);
  before(() => initBackend('wasm'));

  it('2,000 stranger messages over MQTT: clients stay up, the plan survives, a good frame is answered', async () => {
    const broker = new EmbeddedBroker({ port: 0 });
    await broker.start();
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const c = await hostileCluster({ url: broker.url }, model, weights);
    try {
      const plan = await c.settled();
      const errors = await collect(c.client, c.topics.errors());
      let sent = 0;
      for (const m of hostileMessages({ topics: c.topics, plan, workers: ['w0', 'w1'], count: 2000, seed: 1414, frames: true })) {
        await c.client.publish(m.topic, m.payload, { retain: m.retain ?? false, qos: 0 });
        if (++sent % 100 === 0) await new Promise((r) => setTimeout(r, 10));
      }
      await c.client.publish(c.topics.plan(), '', { retain: true, qos: 1 });
      await new Promise((r) => setTimeout(r, 9000));
      assert.ok(errors.messages.length <= sent, `${errors.messages.length} errors for ${sent} messages`);
      const after = await c.settled(45_000);
      const preds = await collect(c.client, c.topics.cameraPredictions('front'));
      await c.client.publish(c.topics.cameraFrame('front'), DOG);
      const [got] = await preds.next(1, 60_000);
      assert.equal(got.plan, after.planId);
      const single = await inferImage({ model, weights, image: DOG, decode: { threshold: 0.005 } });
      assert.ok(single.prediction.kind === 'detections' && got.detections.length > 0);
      assertSameDetections(got.detections, single.prediction.detections);
    } finally {
      await c.stop();
      await broker.stop();
    }
  });
});
