/** `deeperthings worker`: one device of the cluster. */
import type { Command } from './args.ts';
import { intOpt } from './args.ts';
import { brokerOptions, targetFromOpts, topicsFromOpts } from './net-opts.ts';
import { untilSignal } from './signals.ts';
import { startWorker } from './stack.ts';
import { parseBytes, parseRate, DEFAULT_DEVICE } from '../planner/devices.ts';
import { engineFromOpts, engineOption } from './engine-opts.ts';
import { headlineGflops, measureProfile } from '../worker/engine/speed.ts';
import { cachedProfile } from '../worker/engine/profile-cache.ts';
import { logger, setLogLevel } from '../shared/log.ts';
import type { SpeedProfile } from '../shared/plan/speed-profile.ts';
import { hostname } from 'node:os';
import { delimiter } from 'node:path';
import { configOption, configFromOpts, cameraOptions, cameraTopics, maxFrameBytes } from './config-opts.ts';
import { nmsFromOpts, nmsOption } from './nms-opt.ts';

function profileLine(p: SpeedProfile): string {
  return Object.entries(p.classes).map(([k, c]) => `${k} ${c.gflops.toPrecision(3)} G/s + ${c.fixedMs.toFixed(2)} ms`).join(', ');
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run a worker: announce this device, follow the plan, compute its tiles and slices.',
  usage: 'worker --broker mqtt://host:1883 --id pi-3 [--memory 256MB] [--speed <GFLOP/s>|measure|remeasure] [--link 100Mbit] [--engine auto|ort|tfjs] [--threads N]',
  options: {
    ...brokerOptions,
    ...configOption,
    ...engineOption,
    id: { type: 'string', help: 'worker id (unique in the cluster)', default: hostname() },
    memory: { type: 'string', help: 'memory budget for weights + activations (default: the config\'s workers.memory, 1GB)' },
    speed: { type: 'string', help: 'GFLOP/s, or "measure" (per kind of layer, cached per machine and engine), or "remeasure" (ignore the cache) (default: the config\'s workers.speed, measure)' },
    link: { type: 'string', help: 'link bandwidth to the broker', default: '100Mbit' },
    'no-steal': { type: 'boolean', help: 'never take or lend FTP tiles (work stealing; default: the config\'s workers.steal, on)' },
    'frames-in-flight': { type: 'string', help: 'frames per camera run at once as the data source (default: the config\'s workers.framesInFlight, 2)' },
    queue: { type: 'string', help: 'frames per camera that may wait behind those in flight; a newer frame replaces the oldest waiting one (latest frame wins) (default: the config\'s workers.queueDepth, 2)' },
    'model-dir': { type: 'string', help: `directories (separated by '${delimiter}') the model and weights files a plan names are loaded from; plans name files, never paths (default: built-in models only)` },
    'retain-frames': { type: 'string', help: 'as the data source, keep the input of the last K frames per camera to re-run them after a fault (default: the config\'s workers.retainFrames, 4)' },
    'deadline-ms': { type: 'string', help: 'report frames not finished after this long', default: '30000' },
    threshold: { type: 'string', help: 'detection score threshold of the head (data source only)' },
    snapshot: { type: 'string', help: 'JPEG quality of the annotated snapshot, 0 = none', default: '70' },
    ...nmsOption,
    debug: { type: 'boolean', help: 'per plan stage latencies in the predictions, debug log lines' },
  },
  async run(opts) {
    const config = await configFromOpts(opts);
    if (opts.debug) setLogLevel('debug');
    const log = logger(`worker ${String(opts.id)}`);
    const { engine, label: backend, threads } = await engineFromOpts(opts);
    const speedOpt = String(opts.speed ?? config.workers.speed);
    const measured = speedOpt === 'measure' || speedOpt === 'remeasure'
      ? await cachedProfile(backend, () => measureProfile({ engine, label: backend }), { refresh: speedOpt === 'remeasure', threads })
      : undefined;
    if (measured) log.info(`speed profile ${measured.cached ? 'from cache' : 'measured'} (${measured.file}): ${profileLine(measured.profile)}`);
    const speed = measured ? headlineGflops(measured.profile) : Number(speedOpt);
    if (!(speed > 0)) throw new Error(`worker: --speed must be GFLOP/s > 0, "measure" or "remeasure", got '${speedOpt}'`);
    const target = targetFromOpts(opts, config);
    const threshold = opts.threshold === undefined ? undefined : Number(opts.threshold);
    const nms = nmsFromOpts(opts);
    const { worker, transport } = await startWorker(target, topicsFromOpts(opts, config), {
      id: String(opts.id), memoryBytes: parseBytes(opts.memory ?? config.workers.memory), speedGflops: speed, linkBps: parseRate(opts.link ?? DEFAULT_DEVICE.linkBps), backend,
      ...(measured ? { profile: measured.profile } : {}),
      modelDirs: opts['model-dir'] === undefined ? config.workers.modelDirs ?? [] : String(opts['model-dir']).split(delimiter).filter(Boolean),
      extra: { engine, cameraTopics: cameraTopics(config), maxFrameBytes: maxFrameBytes(config), deadlineMs: intOpt(opts, 'deadline-ms', 100), framesInFlight: intOpt(opts, 'frames-in-flight', 1, 64) ?? config.workers.framesInFlight, queueDepth: intOpt(opts, 'queue', 0, 64) ?? config.workers.queueDepth, retainFrames: intOpt(opts, 'retain-frames', 0, 64) ?? config.workers.retainFrames, steal: opts['no-steal'] === true ? false : config.workers.steal, snapshotQuality: intOpt(opts, 'snapshot', 0, 100), decode: { ...(threshold === undefined ? {} : { threshold }), ...(nms ? { nms } : {}) }, latencyDetail: opts.debug === true, cameras: cameraOptions(config) },
    });
    log.info(`online at ${target.url} (${backend}, ${speed} GFLOP/s, MQTT ${transport.protocolVersion === 5 ? '5' : '3.1.1'})`);
    process.stdout.write(`ready ${String(opts.id)}\n`);
    await untilSignal();
    await worker.stop();
    await transport.close();
    return 0;
  },
};
