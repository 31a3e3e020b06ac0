/** `deeperthings worker`: one device of the cluster. */
import type { Command } from './args.ts';
import { intOpt } from './args.ts';
import { brokerOptions, targetFromOpts, topicsFromOpts, untilSignal } from './net-opts.ts';
import { startWorker } from './stack.ts';
import { parseBytes, parseRate, DEFAULT_DEVICE } from '../planner/devices.ts';
import { engineFromOpts, engineOption } from './engine-opts.ts';
import { measureSpeed } from '../worker/engine/speed.ts';
import { logger } from '../shared/log.ts';
import { hostname } from 'node:os';
import { configOption, configFromOpts, cameraTopics, maxFrameBytes } from './config-opts.ts';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run a worker: announce this device, follow the plan, compute its tiles and slices.',
  usage: 'worker --broker mqtt://host:1883 --id pi-3 [--memory 256MB] [--speed <GFLOP/s>|measure] [--link 100Mbit] [--engine auto|ort|tfjs]',
  options: {
    ...brokerOptions,
    ...configOption,
    ...engineOption,
    id: { type: 'string', help: 'worker id (unique in the cluster)', default: hostname() },
    memory: { type: 'string', help: 'memory budget for weights + activations', default: '1GB' },
    speed: { type: 'string', help: 'GFLOP/s, or "measure"', default: 'measure' },
    link: { type: 'string', help: 'link bandwidth to the broker', default: '100Mbit' },
    'deadline-ms': { type: 'string', help: 'report frames not finished after this long', default: '30000' },
    threshold: { type: 'string', help: 'detection score threshold of the head (data source only)' },
    snapshot: { type: 'string', help: 'JPEG quality of the annotated snapshot, 0 = none', default: '70' },
  },
  async run(opts) {
    const config = await configFromOpts(opts);
    const log = logger(`worker ${String(opts.id)}`);
    const { engine, label: backend } = await engineFromOpts(opts);
    const speed = opts.speed === 'measure' ? await measureSpeed(engine) : Number(opts.speed);
    if (!(speed > 0)) throw new Error(`worker: --speed must be GFLOP/s > 0 or "measure", got '${String(opts.speed)}'`);
    const threshold = opts.threshold === undefined ? undefined : Number(opts.threshold);
    const { worker, transport } = await startWorker(targetFromOpts(opts), topicsFromOpts(opts, config), {
      id: String(opts.id), memoryBytes: parseBytes(opts.memory), speedGflops: speed, linkBps: parseRate(opts.link ?? DEFAULT_DEVICE.linkBps), backend,
      extra: { engine, cameraTopics: cameraTopics(config), maxFrameBytes: maxFrameBytes(config), deadlineMs: intOpt(opts, 'deadline-ms', 100), snapshotQuality: intOpt(opts, 'snapshot', 0, 100), decode: threshold === undefined ? undefined : { threshold } },
    });
    log.info(`online at ${String(opts.broker)} (${backend}, ${speed} GFLOP/s, MQTT ${transport.protocolVersion === 5 ? '5' : '3.1.1'})`);
    process.stdout.write(`ready ${String(opts.id)}\n`);
    await untilSignal();
    await worker.stop();
    await transport.close();
    return 0;
  },
};
