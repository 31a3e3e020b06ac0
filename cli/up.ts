/**
 * `deeperthings up` (= `npm start`): embedded broker + planner + N local worker processes; publishes
 * the sample photo once, prints the predictions, and keeps serving the camera topics.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from './args.ts';
import { intOpt } from './args.ts';
import { untilSignal } from './net-opts.ts';
import { modelOptions, loadModelFromOpts } from './model-opts.ts';
import { connect, startPlanner } from './stack.ts';
import { spawnWorker, type SpawnedWorker } from './spawn.ts';
import { EmbeddedBroker } from '../broker/server.ts';
import { Topics } from '../shared/topics.ts';
import { logger } from '../shared/log.ts';
import { SAMPLE_IMAGE } from '../shared/assets.ts';
import { autoPlanFn } from '../planner/auto.ts';
import type { Transport } from '../shared/transport/types.ts';
import { liveStatus } from './status.ts';
import { configOption, configFromOpts } from './config-opts.ts';
import { topicsConfig } from '../shared/config/load.ts';
import { engineOption } from './engine-opts.ts';

const log = logger('up');

async function startBroker(port: number, wsPort: number | undefined): Promise<{ broker: EmbeddedBroker; url: string }> {
  let broker = new EmbeddedBroker({ port, wsPort });
  try {
    const r = await broker.start();
    return { broker, url: `mqtt://127.0.0.1:${r.port}` };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw e;
    log.warn(`port ${port} is taken (another broker?): using a free port instead; pass --broker to use that broker`);
    broker = new EmbeddedBroker({ port: 0, wsPort });
    const r = await broker.start();
    return { broker, url: `mqtt://127.0.0.1:${r.port}` };
  }
}

/** Wait until every worker reports (in its stats) that it runs the current plan. */
async function planAdopted(t: Transport, topics: Topics, ids: string[], planId: () => string | undefined, ms: number): Promise<void> {
  const running = new Map<string, string | null>();
  const off = await t.subscribe(topics.workerStats('+'), (_topic, payload) => {
    try {
      const s = JSON.parse(Buffer.from(payload).toString('utf8')) as { worker: string; plan: string | null };
      running.set(s.worker, s.plan);
    } catch { /* stats of another version: ignore */ }
  });
  const deadline = Date.now() + ms;
  while (!(planId() && ids.every((id) => running.get(id) === planId()))) {
    if (Date.now() > deadline) throw new Error(`up: workers did not adopt a plan within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await off();
}

export const upCommand: Command = {
  name: 'up',
  summary: 'Run everything on this machine: broker, planner and N worker processes; serve the camera topics.',
  usage: 'up [--workers 3] [--model <cfg|name>] [--port 1883] [--broker mqtt://host:1883] [--no-sample] [--engine auto|ort|tfjs]',
  options: {
    ...modelOptions,
    ...configOption,
    ...engineOption,
    workers: { type: 'string', help: 'number of local worker processes', default: '3' },
    port: { type: 'string', help: 'embedded broker port (taken: a free one is used)', default: '1883' },
    'ws-port': { type: 'string', help: 'embedded broker WebSocket port' },
    broker: { type: 'string', help: 'use this broker (e.g. Mosquitto) instead of the embedded one' },
    'no-sample': { type: 'boolean', help: 'do not publish the sample photo at start' },
    camera: { type: 'string', help: 'camera name of the sample frame', default: 'front' },
    threshold: { type: 'string', help: 'detection score threshold' },
    once: { type: 'boolean', help: 'exit after the sample frame\'s predictions (demos, CI)' },
  },
  async run(opts) {
    const config = await configFromOpts(opts);
    const n = intOpt(opts, 'workers', 1, 32) ?? 3;
    const { model } = await loadModelFromOpts(opts);
    const embedded = opts.broker ? undefined : await startBroker(intOpt(opts, 'port', 0, 65535) ?? 1883, intOpt(opts, 'ws-port', 0, 65535));
    const url = String(opts.broker ?? embedded!.url);
    const topics = new Topics(topicsConfig(config));
    process.stdout.write(`broker ${url}${embedded ? ' (embedded aedes, MQTT 3.1.1)' : ''}; model ${model.name}; ${n} workers\n`);
    const extra = ['--speed', 'measure', '--engine', String(opts.engine ?? 'auto'), '--root', topics.root, '--cluster', topics.cluster, ...(opts.config ? ['--config', String(opts.config)] : []), ...(opts.threshold ? ['--threshold', String(opts.threshold)] : [])];
    const workers: SpawnedWorker[] = Array.from({ length: n }, (_, i) => spawnWorker({ id: `w${i}`, broker: url, args: extra, echo: (l) => process.stderr.write(`[w${i}] ${l}\n`) }));
    const source = String(opts.model);
    const { planner, stop: stopPlanner } = await startPlanner({ url }, topics, { model, plan: autoPlanFn({ source, weights: opts.weights as string | undefined, objective: config.planner.objective }), expectedWorkers: n, waitMs: 120_000, config });
    const client = await connect({ url }, `deeperthings-up-${process.pid}`);
    const stopAll = async () => {
      await stopPlanner();
      await client.close();
      await Promise.all(workers.map((w) => w.stop()));
      await embedded?.broker.stop();
    };
    try {
      await Promise.all(workers.map((w) => w.ready));
      await planAdopted(client, topics, workers.map((w) => w.id), () => planner.plan?.planId, 300_000);
      const status = await liveStatus({ transport: client, topics, planner, print: !opts.once });
      if (!opts['no-sample']) {
        const first = status.nextPredictions();
        await client.publish(topics.cameraFrame(String(opts.camera)), await readFile(SAMPLE_IMAGE));
        process.stdout.write(JSON.stringify(await first) + '\n');
      }
      if (!opts.once) {
        process.stdout.write(`serving: mosquitto_pub -h 127.0.0.1 -p ${new URL(url).port} -t ${topics.cameraFrame('<camera>')} -f photo.jpg\n`);
        await untilSignal();
      }
      status.stop();
    } finally {
      await stopAll();
    }
    return 0;
  },
};
