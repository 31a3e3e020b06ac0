/**
 * FTP work stealing (issue 13 §3, DeepThings: an idle device takes a waiting tile) on the in-memory
 * bus. One worker computes for real but slower (its engine waits 3× each run's time after it), so
 * the tile it has not started yet waits while the others are idle: they take it, its outputs appear
 * under the same piece ids, every piece goes out once per frame, and the predictions stay those of
 * one device.
 */
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { tfjsEngine } from '../../worker/engine/tfjs-engine.ts';
import type { Engine } from '../../worker/engine/engine.ts';
import { inferImage } from '../../worker/infer.ts';
import { isChunk, parseChunk } from '../../shared/wire/chunks.ts';
import { decodeTensorMessage } from '../../shared/wire/tensor-codec.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, assertSameDetections, collect, startCluster } from '../support/runtime.ts';

/** The engine, `factor()` times slower: each run is followed by a wait of (factor − 1) × its time. */
function slowed(base: Engine, factor: () => number): Engine {
  return {
    name: base.name,
    async compile(program, weights) {
      const c = await base.compile(program, weights);
      return {
        engine: c.engine, dispose: () => c.dispose(),
        async run(feeds) {
          const t0 = performance.now();
          const r = await c.run(feeds);
          const extra = (performance.now() - t0) * (factor() - 1);
          if (extra > 0) await new Promise((res) => setTimeout(res, extra));
          return r;
        },
      };
    },
  };
}

describe('work stealing on the in-memory bus', function () {
  this.timeout(300_000);
  before(() => initBackend('wasm'));

  it('a slow worker\'s waiting tiles are taken by the idle ones; outputs exact, each piece published once', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 160);
    let slow = '';
    const engineFor = (id: string) => slowed(tfjsEngine, () => (id === slow ? 6 : 1));
    const cluster = await startCluster({ bus: new MemoryBus() }, { model, weights, source: 'yolov2-tiny', workers: 3, ftpLayers: 10, grid: 3, threshold: 0.005, engineFor });
    try {
      const plan = await cluster.planned();
      const ftp = plan.stages.find((s) => s.kind === 'ftp')!;
      const tiles = new Map<string, number>();
      for (const t of ftp.tasks) tiles.set(t.worker, (tiles.get(t.worker) ?? 0) + 1);
      slow = [...tiles].sort((a, b) => b[1] - a[1])[0]![0];
      assert.ok(tiles.get(slow)! >= 2, `the slow worker has several tiles: ${JSON.stringify([...tiles])}`);
      const published = new Map<string, number>();
      await cluster.client.subscribe(`${cluster.topics.data('+', '+').replace(/\/\+\/\+$/, '')}/#`, (topic, payload) => {
        if (topic.includes('/steal')) return;
        const c = isChunk(payload) ? parseChunk(payload) : undefined;
        if (c?.ok && c.header.index > 0) return;
        const frame = c?.ok ? c.header.frame : (() => { const r = decodeTensorMessage(payload); return r.ok ? r.header.frame : -1; })();
        const k = `${frame} ${topic}`;
        published.set(k, (published.get(k) ?? 0) + 1);
      });
      const preds = await collect(cluster.client, cluster.topics.cameraPredictions('+'));
      const workerStats = await collect(cluster.client, cluster.topics.workerStats('+'));
      const frames = 4;
      for (let i = 0; i < frames; i++) await cluster.topics.publish(cluster.client, cluster.topics.cameraFrame('front'), DOG);
      const got = await preds.next(frames, 240_000);
      const single = await inferImage({ model, weights, image: DOG, decode: { threshold: 0.005 } });
      assert.ok(single.prediction.kind === 'detections');
      for (const p of got) assertSameDetections(p.detections, single.prediction.detections);
      const stats = new Map(cluster.workers.map((w) => [w.worker.id, w.worker.stealStats]));
      const stolen = [...stats].filter(([id]) => id !== slow).reduce((n, [, s]) => n + (s?.stolen ?? 0), 0);
      assert.ok(stolen >= 1, `the idle workers took tiles: ${JSON.stringify([...stats])}`);
      assert.ok(stats.get(slow)!.claimed >= 1, `the slow worker lent tiles: ${JSON.stringify(stats.get(slow))}`);
      const twice = [...published].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], 'no piece published twice in a frame');
      // The workers' stats say so too (once a second).
      for (let i = 0; i < 50 && !workerStats.messages.some((m) => m.body.steal?.stolen > 0); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(workerStats.messages.some((m) => m.body.steal?.stolen > 0), 'stats carry the steal counters');
    } finally {
      await cluster.stop();
    }
  });
});
