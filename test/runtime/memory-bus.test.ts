/** The runtime on the in-memory bus: frames in, predictions out, equal to the single device. */
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { inferImage } from '../../worker/infer.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, assertSameDetections, collect, startCluster } from '../support/runtime.ts';

describe('runtime on the in-memory bus', function () {
  this.timeout(120_000);
  before(() => initBackend('wasm'));

  it('3 workers: a camera frame gives the single-device predictions', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 160);
    const cluster = await startCluster({ bus: new MemoryBus() }, { model, weights, source: 'yolov2-tiny', workers: 3, ftpLayers: 10, threshold: 0.005 });
    try {
      const preds = await collect(cluster.client, cluster.topics.cameraPredictions('+'));
      await cluster.planned();
      await cluster.topics.publish(cluster.client, cluster.topics.cameraFrame('front'), DOG);
      const [p] = await preds.next(1);
      const single = await inferImage({ model, weights, image: DOG, decode: { threshold: 0.005 } });
      assert.equal(p.camera, 'front');
      assert.equal(p.width, 768);
      assert.ok(single.prediction.kind === 'detections');
      assert.ok(p.detections.length > 0, 'a low threshold gives detections to compare');
      assertSameDetections(p.detections, single.prediction.detections);
    } finally {
      await cluster.stop();
    }
  });
});
