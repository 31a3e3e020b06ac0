/**
 * Frames decode in parallel (sharp, off the event loop) but enter the runtime in arrival order per
 * camera: a large frame published before a tiny one keeps the lower frame number, although the
 * tiny one finishes decoding first.
 */
import { strict as assert } from 'node:assert';
import sharp from 'sharp';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, collect, startCluster } from '../support/runtime.ts';

describe('frame order at the data source', function () {
  this.timeout(120_000);
  before(() => initBackend('wasm'));

  it('a large frame then a tiny one on one camera: frame numbers follow arrival, not decode time', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const big = new Uint8Array(await sharp(DOG).resize(3072, 2304).jpeg({ quality: 95 }).toBuffer());
    const tiny = new Uint8Array(await sharp(DOG).resize(16, 12).jpeg().toBuffer());
    const cluster = await startCluster({ bus: new MemoryBus() }, { model, weights, source: 'yolov2-tiny', workers: 1, ftpLayers: 10 });
    try {
      const preds = await collect(cluster.client, cluster.topics.cameraPredictions('+'));
      await cluster.planned();
      await cluster.client.publish(cluster.topics.cameraFrame('front'), big);
      await cluster.client.publish(cluster.topics.cameraFrame('front'), tiny);
      const got = await preds.next(2);
      const byWidth = new Map(got.map((p) => [p.width, p.frame]));
      assert.ok(byWidth.get(3072)! < byWidth.get(16)!, `frames by width: ${JSON.stringify([...byWidth])}`);
    } finally {
      await cluster.stop();
    }
  });
});
