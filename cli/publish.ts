/** `deeperthings publish`: send an image to a camera topic, optionally wait for its predictions. */
import { readFile } from 'node:fs/promises';
import type { Command } from './args.ts';
import { intOpt } from './args.ts';
import { brokerOptions, targetFromOpts, topicsFromOpts } from './net-opts.ts';
import { connect } from './stack.ts';
import { SAMPLE_IMAGE } from '../shared/assets.ts';

export const publishCommand: Command = {
  name: 'publish',
  summary: 'Publish an image on a camera topic (as any MQTT client could) and optionally print the predictions.',
  usage: 'publish --broker mqtt://host:1883 --camera front --image assets/dog.jpg [--wait] [--count N] [--interval-ms 200]',
  options: {
    ...brokerOptions,
    camera: { type: 'string', help: 'camera name', default: 'front' },
    image: { type: 'string', help: 'JPEG or PNG file (default: the bundled sample photo)' },
    wait: { type: 'boolean', help: 'wait for the predictions and print them (JSON lines)' },
    count: { type: 'string', help: 'publish the image this many times', default: '1' },
    'interval-ms': { type: 'string', help: 'pause between publishes', default: '0' },
    'timeout-ms': { type: 'string', help: 'with --wait: give up after this long', default: '120000' },
  },
  async run(opts) {
    const topics = topicsFromOpts(opts);
    const camera = String(opts.camera);
    const image = await readFile(String(opts.image ?? SAMPLE_IMAGE));
    const t = await connect(targetFromOpts(opts), `deeperthings-publish-${process.pid}`);
    const count = intOpt(opts, 'count', 1) ?? 1;
    const got: string[] = [];
    /** An error about this camera's frames ends the wait at once (issue 10 #8), e.g. `no-plan`. */
    let failed: string | undefined;
    let wake = () => {};
    if (opts.wait) {
      await t.subscribe(topics.cameraPredictions(camera), (_topic, payload) => { got.push(Buffer.from(payload).toString('utf8')); wake(); });
      await t.subscribe(topics.errors(), (_topic, payload) => {
        const text = Buffer.from(payload).toString('utf8');
        process.stderr.write(`error: ${text}\n`);
        if (errorCamera(text) === camera) { failed = text; wake(); }
      });
    }
    for (let i = 0; i < count; i++) {
      // A frame not delivered within 30 s is stale: MQTT 5 brokers drop it (issue 14 §5).
      await topics.publish(t, topics.cameraFrame(camera), image, { qos: 0, expirySeconds: 30 });
      if (i + 1 < count) await new Promise((r) => setTimeout(r, intOpt(opts, 'interval-ms', 0)));
    }
    const deadline = Date.now() + (intOpt(opts, 'timeout-ms', 1) ?? 120000);
    while (opts.wait && !failed && got.length < count && Date.now() < deadline) await new Promise<void>((r) => { wake = r; setTimeout(r, 500); });
    for (const line of got) process.stdout.write(line + '\n');
    await t.close();
    if (opts.wait && got.length < count) {
      process.stderr.write(`deeperthings: publish: ${got.length} of ${count} predictions arrived ${failed ? 'before an error about camera ' + camera : 'within the timeout'}\n`);
      return 1;
    }
    return 0;
  },
};

function errorCamera(text: string): string | undefined {
  try {
    const e = JSON.parse(text) as { camera?: unknown };
    return typeof e.camera === 'string' ? e.camera : undefined;
  } catch {
    return undefined;
  }
}
