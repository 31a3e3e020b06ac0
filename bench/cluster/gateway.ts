/**
 * The gateway side of one plan of `bench cluster`, run inside the gateway namespace
 * (`ip netns exec <prefix>-gw node --import tsx gateway.ts '<spec>'`): the broker on the veths'
 * gateway addresses, the planner with the plan's objective and tail pin, and the camera that sends
 * frames and times predictions. Unthrottled, as a home server would be. Prints JSON lines:
 * `{"event":"ready"}` once workers may connect, `{"event":"progress",…}` as it goes, then
 * `{"event":"result",…}` or `{"event":"error",…}`.
 */
import { readFileSync } from 'node:fs';
import { loadModel } from '../../shared/model/load.ts';
import { resolveBuiltinModel, SAMPLE_IMAGE } from '../../shared/assets.ts';
import { Topics } from '../../shared/topics.ts';
import { setLogLevel } from '../../shared/log.ts';
import { EmbeddedBroker } from '../../broker/server.ts';
import { connect, startPlanner } from '../../cli/stack.ts';
import { gatewayPlanFn, type GatewaySpec } from './gateway-plan.ts';
import type { BrokerUser } from '../../broker/auth.ts';
import { measurePlan, type Counters } from './measure.ts';
import { BENCH_PASSWORD_ENV } from './options.ts';

const BENCH_PLANNER = 'bench-planner';

export type { GatewaySpec } from './gateway-plan.ts';

const say = (o: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(o) + '\n'); };

/** Bytes through each gateway-side veth (rx: worker → broker, tx: broker → worker). */
function counters(spec: GatewaySpec): Counters {
  const read = (dev: string, f: string): number => Number(readFileSync(`/sys/class/net/${dev}/statistics/${f}`, 'utf8'));
  return new Map(spec.workers.map((w) => [w.id, { up: read(w.gwIf, 'rx_bytes'), down: read(w.gwIf, 'tx_bytes') }]));
}

async function main(spec: GatewaySpec): Promise<void> {
  setLogLevel('warn');
  const timer = setTimeout(() => { say({ event: 'error', message: `bench cluster: plan ${spec.plan} did not finish within ${spec.deadlineMs} ms` }); process.exit(1); }, spec.deadlineMs);
  timer.unref();
  const { model } = await loadModel(resolveBuiltinModel(spec.model));
  // Every address of this namespace is one the bench created: lo and the veths' gateway ends. A broker
  // beyond loopback needs users (issue 14 §3): one account per worker and one for the gateway's own
  // planner and camera, with a password made for this run (BENCH_PASSWORD_ENV, never on a command line).
  const password = process.env[BENCH_PASSWORD_ENV];
  if (!password) throw new Error(`bench cluster: gateway started without ${BENCH_PASSWORD_ENV}`);
  const users: BrokerUser[] = [{ username: BENCH_PLANNER, password, role: 'planner' }, ...spec.workers.map((w) => ({ username: w.id, password, role: 'worker' as const }))];
  const broker = new EmbeddedBroker({ port: spec.port, host: '0.0.0.0', users });
  await broker.start();
  const target = { url: `mqtt://127.0.0.1:${spec.port}`, username: BENCH_PLANNER, password };
  const topics = new Topics({ cluster: 'bench' });
  const { planner, stop } = await startPlanner(target, topics, {
    model, plan: gatewayPlanFn(spec),
    expectedWorkers: spec.workers.length, waitMs: spec.deadlineMs,
    // A bench measures one plan: no switch on calibration drift in the middle of it (planner/drift.ts).
    drift: false,
    // Nor standby plans: they are planned in this process, which is also the broker's, and would stall
    // its forwarding for seconds while the first frames are measured (planner/standby.ts).
    standby: false,
  });
  const client = await connect(target, 'bench-cluster-camera');
  say({ event: 'ready' });
  try {
    const result = await measurePlan({ client, topics, planner, model, image: readFileSync(SAMPLE_IMAGE), counters: () => counters(spec), frames: spec.frames, pipelined: spec.pipelined, workers: spec.workers.length, progress: (message) => say({ event: 'progress', message }) });
    say({ event: 'result', plan: spec.plan, objective: spec.objective, tail: spec.tail, ...result });
  } finally {
    await client.close();
    await stop();
    await broker.stop();
  }
}

main(JSON.parse(process.argv[2]!) as GatewaySpec).then(() => process.exit(0), (e: unknown) => {
  say({ event: 'error', message: (e as Error).message });
  process.exit(1);
});
