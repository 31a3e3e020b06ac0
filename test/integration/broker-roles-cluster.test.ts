/**
 * A cluster whose every client has its own role account (issue 14 §3) on the embedded broker bound
 * beyond loopback: the plan guard lets each worker publish its assigned pieces (and subscribe to those
 * it needs) and the data source its predictions, so a camera's frame still gives the single-device predictions, which a viewer reads;
 * a worker publishing a piece the plan gives another worker is disconnected.
 */
import { stealWorkers } from '../../shared/plan/steal-stages.ts';
import { strict as assert } from 'node:assert';
import type { BrokerUser } from '../../broker/auth.ts';
import { hashPassword } from '../../broker/passwords.ts';
import { EmbeddedBroker } from '../../broker/server.ts';
import { connect } from '../../cli/stack.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { inferImage } from '../../worker/infer.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, assertSameDetections, collect, startCluster } from '../support/runtime.ts';

describe('broker: a cluster of role accounts', function () {
  this.timeout(180_000);
  before(() => initBackend('wasm'));

  it('serves a frame end to end; a worker may not read every piece nor publish another worker\'s piece', async () => {
    const names: [string, BrokerUser['role']][] = [['planner', 'planner'], ['w0', 'worker'], ['w1', 'worker'], ['front', 'camera'], ['ha', 'viewer']];
    const users: BrokerUser[] = await Promise.all(names.map(async ([username, role]) => ({ username, role, password: await hashPassword(`${username}-pw`) })));
    const broker = new EmbeddedBroker({ port: 0, host: '0.0.0.0', users });
    await broker.start();
    const as = (name: string) => ({ url: broker.url, username: name, password: `${name}-pw` });
    const { model, weights } = await darknetModel('yolov2-tiny', 160);
    const cluster = await startCluster(as('planner'), { model, weights, source: 'yolov2-tiny', workers: 2, ftpLayers: 10, threshold: 0.005, workerTarget: as });
    const camera = await connect(as('front'), 'camera-front');
    const viewer = await connect(as('ha'), 'viewer-ha');
    try {
      const preds = await collect(viewer, cluster.topics.cameraPredictions('+'));
      const plan = await cluster.planned();
      assert.ok(new Set(plan.pieces.map((p) => p.worker)).size === 2, 'both workers produce pieces');
      await camera.publish(cluster.topics.cameraFrame('front'), DOG);
      const [p] = await preds.next(1);
      const single = await inferImage({ model, weights, image: DOG, decode: { threshold: 0.005 } });
      assert.ok(single.prediction.kind === 'detections' && p.detections.length > 0);
      assertSameDetections(p.detections, single.prediction.detections);

      // w1 forging a piece of w0's (an impostor worker account on the LAN), outside a stage where the
      // two steal each other's FTP tiles (there either may publish the stage's tile outputs).
      const piece = plan.pieces.find((x) => x.worker === 'w0' && !stealWorkers(plan).has(x.stage))!;
      const forger = await connect(as('w1'), 'forger-w1');
      await assert.rejects(forger.subscribe(`${cluster.topics.root}/${cluster.topics.cluster}/data/#`, () => {}), /refused/, 'only the pieces it needs');
      const dropped = new Promise<void>((r) => forger.on('disconnect', () => r()));
      await forger.publish(cluster.topics.data(piece.stage, piece.id.slice(piece.stage.length + 1)), new Uint8Array(8)).catch(() => undefined);
      await dropped;
      await forger.close();
    } finally {
      await camera.close();
      await viewer.close();
      await cluster.stop();
      await broker.stop();
    }
  });
});
