/** The ingest task's host half (worker/tasks/ingest.ts): payload limits, bad frames, arrival order, a closed plan. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { IngestTask, prepareFrame, type PreparedFrame } from '../../worker/tasks/ingest.ts';
import type { TaskCounters } from '../../worker/tasks/report.ts';
import { SAMPLE_IMAGE } from '../../shared/assets.ts';
import { darknetModel } from '../support/models.ts';

const DOG = new Uint8Array(readFileSync(SAMPLE_IMAGE));

function ingest(opts: { maxFrameBytes?: number; open?: () => boolean } = {}) {
  const counters: TaskCounters = { frames: 0, badFrames: 0, oversizeFrames: 0, predictions: 0 };
  const errors: string[] = [], entered: { frame: number; p: PreparedFrame }[] = [];
  return async () => {
    const { model } = await darknetModel('tiny', 96);
    const task = new IngestTask({ model, counters, maxFrameBytes: opts.maxFrameBytes, open: opts.open ?? (() => true),
      error: (code, message) => errors.push(`${code}: ${message}`), enter: (frame, p) => entered.push({ frame, p }) });
    return { task, counters, errors, entered };
  };
}

const settle = async (until: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !until(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('ingest task', () => {
  it('a JPEG → the letterboxed model input and the frame metadata the head needs', async () => {
    const { model } = await darknetModel('tiny', 96);
    const { meta, input } = await prepareFrame(model, 'porch', DOG);
    assert.deepEqual(input.shape, model.input);
    assert.equal(meta.camera, 'porch');
    assert.deepEqual({ w: meta.width, h: meta.height }, meta.transform.image);
    assert.ok(meta.image && meta.image.width === meta.width, 'the decoded frame is kept for the snapshot');
  });

  it('oversize and undecodable payloads are counted and reported, never entered', async () => {
    const { task, counters, errors, entered } = await ingest({ maxFrameBytes: 1000 })();
    task.offer('porch', DOG);
    task.offer('porch', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    await settle(() => errors.length === 2);
    assert.deepEqual({ ...counters }, { frames: 0, badFrames: 1, oversizeFrames: 1, predictions: 0 });
    assert.match(errors[0]!, /^frame-too-large: camera porch: frame of \d+ bytes exceeds the limit of 1000 bytes/);
    assert.match(errors[1]!, /^bad-frame: camera porch: image: /);
    assert.equal(entered.length, 0);
  });

  it('frames of a camera enter in arrival order and are numbered then, although a small one decodes first', async () => {
    const big = new Uint8Array(await sharp(DOG).resize(2048, 1536).jpeg({ quality: 95 }).toBuffer());
    const small = new Uint8Array(await sharp(DOG).resize(16, 12).jpeg().toBuffer());
    const { task, counters, entered } = await ingest()();
    task.offer('front', big);
    task.offer('front', small);
    await settle(() => entered.length === 2);
    assert.deepEqual(entered.map((e) => [e.frame, e.p.meta.width]), [[1, 2048], [2, 16]]);
    assert.equal(counters.frames, 2);
  });

  it('a frame decoded after its plan stopped is reported as dropped', async () => {
    let open = true;
    const { task, errors, entered } = await ingest({ open: () => open })();
    task.offer('front', DOG);
    open = false;
    await settle(() => errors.length === 1);
    assert.deepEqual(errors, ['frame-dropped: camera front: frame dropped: the plan changed while it was decoded']);
    assert.equal(entered.length, 0);
  });
});
