/**
 * Camera frames a stranger or a broken camera sends (issue 14 §4) and a camera faster than the
 * cluster (§5), on the in-memory bus. Fixtures are made here with sharp. Each odd frame ends in one
 * coded `bad-frame` error or in the predictions the single device gives for the same bytes;
 * decompression bombs are refused from the header, before any pixel is decoded, and leave no
 * memory behind. A 100-frame burst gives predictions at the cluster's pace and exactly one
 * `frame-skipped` per frame it did not run.
 */
import { strict as assert } from 'node:assert';
import sharp from 'sharp';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { Topics } from '../../shared/topics.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { inferImage } from '../../worker/infer.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, assertSameDetections, collect, startCluster } from '../support/runtime.ts';

/** A PNG whose IHDR claims `width`×`height` (the CRC is not checked before the size is). */
function pngClaiming(png: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(png);
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

/** A JPEG whose SOF claims `width`×`height` (ITU-T T.81 §B.2.2). */
function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(jpeg);
  for (let at = 2; at + 9 < b.length;) {
    const marker = b[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      b.writeUInt16BE(height, at + 5);
      b.writeUInt16BE(width, at + 7);
      return b;
    }
    at += 2 + b.readUInt16BE(at + 2);
  }
  throw new Error('test: no SOF in the JPEG');
}

async function fixtures(): Promise<Record<string, { bytes: Buffer; expect: 'predictions' | RegExp | 'either' }>> {
  const base = sharp(DOG).resize(320);
  const png = await base.clone().png().toBuffer();
  // A real 10000×10000 PNG: 311 KB that would decode to 300 MB of RGB.
  const bombPng = await sharp({ create: { width: 10000, height: 10000, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png({ compressionLevel: 9 }).toBuffer();
  const jpeg = Buffer.from(DOG);
  return {
    'truncated JPEG': { bytes: jpeg.subarray(0, Math.floor(jpeg.length / 3)), expect: 'either' },
    'corrupt JPEG': { bytes: Buffer.concat([jpeg.subarray(0, 600), Buffer.alloc(4000, 0xff), jpeg.subarray(4600)]), expect: 'either' },
    'truncated PNG header': { bytes: png.subarray(0, 20), expect: /corrupt PNG/ },
    '0-byte frame': { bytes: Buffer.alloc(0), expect: /not a JPEG or PNG \(empty input\)/ },
    '10000×10000 PNG': { bytes: bombPng, expect: /PNG refused: 10000x10000 exceeds 40 MP/ },
    '10000×10000 JPEG header': { bytes: jpegClaiming(jpeg, 10000, 10000), expect: /JPEG refused: 10000x10000 exceeds 40 MP/ },
    'zero-width PNG': { bytes: pngClaiming(png, 0, 10), expect: /PNG refused: header says 0x10 pixels/ },
    'WebP': { bytes: await base.clone().webp().toBuffer(), expect: /not a JPEG or PNG/ },
    'GIF': { bytes: await base.clone().gif().toBuffer(), expect: /not a JPEG or PNG/ },
    'CMYK JPEG': { bytes: await base.clone().toColourspace('cmyk').jpeg().toBuffer(), expect: 'predictions' },
    '16-bit PNG': { bytes: await base.clone().toColourspace('rgb16').png().toBuffer(), expect: 'predictions' },
    'grayscale PNG': { bytes: await base.clone().grayscale().png().toBuffer(), expect: 'predictions' },
    'RGBA PNG': { bytes: await base.clone().ensureAlpha(0.5).png().toBuffer(), expect: 'predictions' },
  };
}

describe('hostile camera frames and a camera faster than the cluster', function () {
  this.timeout(240_000);
  before(() => initBackend('wasm'));

  it('odd frames give one coded error or the single-device predictions; bombs are refused from the header and leave no memory behind', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const cluster = await startCluster({ bus: new MemoryBus() }, { model, weights, source: 'yolov2-tiny', workers: 1, ftpLayers: 10, threshold: 0.005 });
    try {
      await cluster.planned();
      const cases = await fixtures();
      for (const [name, c] of Object.entries(cases)) {
        const cam = `cam${Object.keys(cases).indexOf(name)}`;
        const errors = await collect(cluster.client, cluster.topics.errors());
        const preds = await collect(cluster.client, cluster.topics.cameraPredictions(cam));
        await cluster.client.publish(cluster.topics.cameraFrame(cam), c.bytes);
        const deadline = Date.now() + 60_000;
        while (errors.messages.filter((m) => m.body.camera === cam).length + preds.messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 200));
        const mine = errors.messages.filter((m) => m.body.camera === cam).map((m) => m.body);
        assert.equal(mine.length + preds.messages.length, 1, `${name}: one outcome, got ${JSON.stringify(mine)} and ${preds.messages.length} predictions`);
        if (c.expect instanceof RegExp) {
          assert.equal(mine[0]?.code, 'bad-frame', name);
          assert.match(mine[0].message, c.expect, name);
        } else if (preds.messages.length) {
          const single = await inferImage({ model, weights, image: c.bytes, decode: { threshold: 0.005 } });
          assert.ok(single.prediction.kind === 'detections');
          assertSameDetections(preds.messages[0]!.body.detections, single.prediction.detections);
        } else {
          assert.equal(c.expect, 'either', `${name}: expected predictions, got ${JSON.stringify(mine)}`);
          assert.equal(mine[0]?.code, 'bad-frame', name);
        }
      }
      // 20 bombs: refused before decoding, so RSS does not move (a decoded one is 300 MB).
      const errors = await collect(cluster.client, cluster.topics.errors());
      const rss0 = process.memoryUsage().rss;
      for (let i = 0; i < 20; i++) await cluster.client.publish(cluster.topics.cameraFrame('bombs'), i % 2 ? cases['10000×10000 PNG']!.bytes : cases['10000×10000 JPEG header']!.bytes);
      await errors.next(20, 30_000);
      const grew = process.memoryUsage().rss - rss0;
      assert.ok(grew < 100e6, `RSS grew ${(grew / 1e6).toFixed(0)} MB after 20 bombs`);
      assert.ok(errors.messages.every((m) => m.body.code === 'bad-frame' && /exceeds 40 MP/.test(m.body.message)));
    } finally {
      await cluster.stop();
    }
  });

  it('a 100-frame burst: predictions at the cluster\'s pace, exactly one frame-skipped per frame not run, counted in stats, memory bounded', async () => {
    const { model, weights } = await darknetModel('yolov2-tiny', 128);
    const topics = new Topics();
    const cluster = await startCluster({ bus: new MemoryBus() }, { model, weights, source: 'yolov2-tiny', workers: 2, ftpLayers: 10, topics });
    try {
      await cluster.planned();
      const preds = await collect(cluster.client, topics.cameraPredictions('burst'));
      const errors = await collect(cluster.client, topics.errors());
      // Warm the kernels with one frame, so the burst measures the pipeline.
      await cluster.client.publish(topics.cameraFrame('burst'), DOG);
      await preds.next(1, 60_000);
      const source = cluster.workers.find((w) => w.worker.id === cluster.planner.planner.plan!.dataSource)!.worker;
      const rss0 = process.memoryUsage().rss;
      let peak = rss0;
      const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
      for (let i = 0; i < 100; i++) await cluster.client.publish(topics.cameraFrame('burst'), DOG);
      const skipped = () => errors.messages.filter((m) => m.body.code === 'frame-skipped').length;
      const deadline = Date.now() + 120_000;
      while (preds.messages.length - 1 + skipped() < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      clearInterval(sampler);
      const answered = preds.messages.length - 1;
      const others = errors.messages.filter((m) => m.body.code !== 'frame-skipped').map((m) => `${m.body.code}: ${m.body.message}`);
      assert.deepEqual(others, [], 'no deadline, dropped or other errors');
      assert.equal(answered + skipped(), 100, `${answered} answered + ${skipped()} skipped`);
      // 2 in flight and 2 waiting when the burst ends: about 4 answered, the rest skipped once each.
      assert.ok(answered >= 2 && answered <= 10, `${answered} answered`);
      assert.equal(source.counters.skippedFrames, skipped(), 'the stats count the skipped frames');
      assert.ok(peak - rss0 < 250e6, `peak RSS +${((peak - rss0) / 1e6).toFixed(0)} MB during the burst`);
    } finally {
      await cluster.stop();
    }
  });
});
