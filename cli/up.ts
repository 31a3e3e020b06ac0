/**
 * `deeperthings up` (= `npm start`): embedded broker + planner + N local worker processes; publishes
 * the sample photo once, prints the predictions, and keeps serving the camera topics.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from './args.ts';
import { intOpt } from './args.ts';
import { untilSignal } from './signals.ts';
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
import { nmsFromOpts, nmsOption } from './nms-opt.ts';
import { configOption, configFromOpts } from './config-opts.ts';
import { wireFromOpts } from './wire-opts.ts';
import { topicsConfig } from '../shared/config/load.ts';
import { engineOption } from './engine-opts.ts';
import { uiOptions, dashboardFromOpts } from './ui-opts.ts';
import { brokerUrl, tlsFromOpts, tlsOptions } from './net-opts.ts';
import { loadUsers, type BrokerUser } from '../broker/auth.ts';
import { generatePassword } from '../broker/passwords.ts';
import type { BrokerTls } from '../broker/server.ts';
import type { RoleTopics } from '../broker/roles.ts';
import type { Target } from './stack.ts';
import { onForcedExit } from './signals.ts';
import { firstPlanFailure } from './planner-cmd.ts';
import { localHost, reachLine } from './lan.ts';
import type { Config } from '../shared/config/types.ts';
import type { Model } from '../shared/model/ir.ts';
import type { PlanFn } from '../planner/service.ts';

const log = logger('up');

async function startBroker(o: { port: number; wsPort?: number; host: string; users?: BrokerUser[]; tls?: BrokerTls; topics?: RoleTopics }): Promise<{ broker: EmbeddedBroker; url: string; port: number }> {
  let broker = new EmbeddedBroker(o);
  const local = `${o.tls ? 'mqtts' : 'mqtt'}://${localHost(o.host)}`;
  try {
    const r = await broker.start();
    return { broker, url: `${local}:${r.port}`, port: r.port };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || o.port === 0) throw e;
    log.warn(`port ${o.port} is taken (another broker?): using a free port instead; pass --broker to use that broker`);
    broker = new EmbeddedBroker({ ...o, port: 0 });
    const r = await broker.start();
    return { broker, url: `${local}:${r.port}`, port: r.port };
  }
}

/**
 * With a users file, up's own planner, workers and client need an account too: a planner-role one with
 * a password made now, known only to this process and its children (issue 14 §3).
 */
function localAccount(usersFile: unknown): { users?: BrokerUser[]; local?: { username: string; password: string } } {
  if (usersFile === undefined) return {};
  const local = { username: `deeperthings-up-${process.pid}`, password: generatePassword() };
  return { users: [...loadUsers(String(usersFile)), { ...local, role: 'planner' }], local };
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

/** Planner, N worker processes and a client of our own on `url`; `stop(clean)` clears what they own (issue 10 #14). */
async function startLocal(o: { target: Extract<Target, { url: string }>; caFile?: string; topics: Topics; n: number; extra: string[]; config: Config; planner: { model: Model; objective: string; plan: PlanFn } }) {
  const { url, username, password } = o.target;
  const args = [...o.extra, ...(username ? ['--username', username] : []), ...(o.caFile ? ['--ca', o.caFile] : [])];
  const env: Record<string, string> = password ? { DEEPERTHINGS_PASSWORD: password } : {};
  const workers: SpawnedWorker[] = Array.from({ length: o.n }, (_, i) => spawnWorker({ id: `w${i}`, broker: url, args, env, echo: (l) => process.stderr.write(`[w${i}] ${l}\n`) }));
  const unkill = onForcedExit(() => workers.forEach((w) => w.child.kill()));
  const { planner, stop: stopPlanner } = await startPlanner(o.target, o.topics, { ...o.planner, expectedWorkers: o.n, waitMs: 120_000, config: o.config });
  const client = await connect(o.target, `deeperthings-up-${process.pid}`);
  const stop = async (clean: boolean) => {
    await stopPlanner({ clear: clean });
    await Promise.all(workers.map((w) => w.stop()));
    // Our workers' retained info and state go on a clean stop only; a crash keeps them for the Last Wills.
    const owned = clean ? workers.flatMap((w) => [o.topics.workerInfo(w.id), o.topics.workerState(w.id)]) : [];
    for (const topic of owned) await o.topics.clear(client, topic, { qos: 1 }).catch(() => undefined);
    await client.close();
    unkill();
  };
  return { planner, client, workers, stop };
}

/** `mosquitto_pub`/`mosquitto_sub` lines for a broker URL (with the CA and an account when they are needed). */
function mosquittoArgs(url: string, o: { caFile?: string; users?: boolean } = {}): string {
  const u = new URL(url);
  return `-h ${u.hostname} -p ${u.port || 1883}${o.caFile ? ` --cafile ${o.caFile}` : ''}${o.users ? ' -u NAME -P PASSWORD' : ''}`;
}

export const upCommand: Command = {
  name: 'up',
  summary: 'Run everything on this machine: broker, planner and N worker processes; serve the camera topics.',
  usage: 'up [--workers 3] [--model <cfg|name>] [--port 1883] [--host 0.0.0.0 --users users.yaml] [--tls-cert c.pem --tls-key k.pem] [--broker mqtt://host:1883] [--no-sample] [--ui-port 8080] [--engine auto|ort|tfjs] [--threads N]',
  options: {
    ...modelOptions,
    ...configOption,
    ...uiOptions,
    ...engineOption,
    workers: { type: 'string', help: 'number of local worker processes', default: '3' },
    port: { type: 'string', help: 'embedded broker port (taken: a free one is used)', default: '1883' },
    host: { type: 'string', help: 'embedded broker address (0.0.0.0: cameras and boards on the LAN can connect)', default: '127.0.0.1' },
    'ws-port': { type: 'string', help: 'embedded broker WebSocket port' },
    users: { type: 'string', help: 'embedded broker users file (deeperthings users add); required with a --host beyond loopback' },
    ...tlsOptions,
    broker: { type: 'string', help: 'use this broker (e.g. Mosquitto) instead of the embedded one' },
    'no-sample': { type: 'boolean', help: 'do not publish the sample photo at start' },
    camera: { type: 'string', help: 'camera name of the sample frame', default: 'front' },
    threshold: { type: 'string', help: 'detection score threshold' },
    ...nmsOption,
    wire: { type: 'string', help: 'activations between devices: float32 (exact) | float16 | int8 (default: the config\'s planner.wire, float16)' },
    debug: { type: 'boolean', help: 'per plan stage latencies in the predictions' },
    once: { type: 'boolean', help: 'exit after the sample frame\'s predictions (demos, CI)' },
  },
  async run(opts) {
    const config = await configFromOpts(opts);
    const n = intOpt(opts, 'workers', 1, 32) ?? 3;
    const { model, weightsSource } = await loadModelFromOpts(opts);
    const external = opts.broker ? brokerUrl(String(opts.broker)) : undefined;
    const tls = external ? undefined : tlsFromOpts(opts);
    const { users, local } = external ? {} : localAccount(opts.users);
    const topics = new Topics(topicsConfig(config));
    const embedded = external ? undefined : await startBroker({
      port: intOpt(opts, 'port', 0, 65535) ?? 1883, wsPort: intOpt(opts, 'ws-port', 0, 65535), host: String(opts.host), users, tls,
      topics: { root: topics.root, haPrefix: topics.haPrefix },
    });
    const url = external ?? embedded!.url;
    const target = { url, ...local, ...(tls ? { ca: tls.cert } : {}) };
    const weights = weightsSource === 'synthetic' ? ' (weights: synthetic (no --weights))' : '';
    process.stdout.write(`broker ${url}${embedded ? ' (embedded aedes, MQTT 3.1.1)' : ''}; model ${model.name}${weights}; ${n} workers\n`);
    if (embedded) process.stdout.write(`${reachLine(String(opts.host), embedded.port, undefined, tls ? 'mqtts' : 'mqtt')}\n`);
    const extra = ['--speed', 'measure', '--engine', String(opts.engine ?? 'auto'), ...(opts.threads ? ['--threads', String(opts.threads)] : []), '--root', topics.root, '--cluster', topics.cluster, ...(opts.config ? ['--config', String(opts.config)] : []),
      ...(opts.threshold ? ['--threshold', String(opts.threshold)] : []), ...(opts.debug ? ['--debug'] : []),
      ...(opts.nms ? ['--nms', String(nmsFromOpts(opts))] : [])];
    const objective = config.planner.objective;
    const stack = await startLocal({ target, caFile: tls ? String(opts['tls-cert']) : undefined, topics, n, extra, config, planner: { model, objective, plan: autoPlanFn({ source: String(opts.model), weights: opts.weights as string | undefined, objective, tail: config.planner.tail, wire: wireFromOpts(opts, config.planner.wire) }) } });
    const { planner, client, workers } = stack;
    let clean = false;
    let ui: Awaited<ReturnType<typeof dashboardFromOpts>>;
    try {
      ui = await dashboardFromOpts(opts, { target, topics, planner, model });
      if (ui) process.stdout.write(`dashboard ${ui.url}\n`);
      const failed = firstPlanFailure(planner).then((e) => { throw e; });
      await Promise.race([Promise.all(workers.map((w) => w.ready)).then(() => planAdopted(client, topics, workers.map((w) => w.id), () => planner.plan?.planId, 300_000)), failed]);
      const status = await liveStatus({ transport: client, topics, planner, print: !opts.once });
      const how = { caFile: tls ? String(opts['tls-cert']) : undefined, users: users !== undefined };
      process.stdout.write(`frames: mosquitto_pub ${mosquittoArgs(url, how)} -t ${topics.cameraFrame(String(opts.camera))} -f photo.jpg\n`);
      process.stdout.write(`predictions: mosquitto_sub ${mosquittoArgs(url, how)} -t '${topics.cameraPredictions('+')}'\n`);
      if (!opts['no-sample']) {
        const first = status.nextPredictions();
        await topics.publish(client, topics.cameraFrame(String(opts.camera)), await readFile(SAMPLE_IMAGE));
        await first;
      }
      if (!opts.once) await untilSignal();
      status.stop();
      clean = true;
    } finally {
      await ui?.stop();
      await stack.stop(clean);
      await embedded?.broker.stop();
    }
    return 0;
  },
};
