/**
 * The soak bench's cluster, assembled as `up` does (cli/up.ts): an embedded broker at port 0 on
 * loopback and the planner in this process, N worker processes (cli/spawn.ts), and a camera client.
 * `--heap-dir` runs the workers with `--heapsnapshot-signal=SIGUSR2`, so a leak hunt can compare two
 * snapshots of the same process (`heapSnapshots`).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { EmbeddedBroker } from '../../broker/server.ts';
import { connect, startPlanner } from '../../cli/stack.ts';
import { spawnWorker, type SpawnedWorker } from '../../cli/spawn.ts';
import { autoPlanFn } from '../../planner/auto.ts';
import { loadModel } from '../../shared/model/load.ts';
import { resolveBuiltinModel } from '../../shared/assets.ts';
import { Topics } from '../../shared/topics.ts';
import type { Transport } from '../../shared/transport/types.ts';
import type { PlannerService } from '../../planner/service.ts';
import type { SoakOptions } from './options.ts';

export interface SoakStack {
  readonly url: string;
  readonly topics: Topics;
  readonly planner: PlannerService;
  readonly client: Transport;
  readonly workers: readonly SpawnedWorker[];
  /** Resolves when every worker runs the planner's current plan (their stats say so). */
  adopted(timeoutMs: number, stopped: () => boolean): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Workers' stderr warnings are echoed (errors, refusals); their info lines are not. */
function echo(id: string): (line: string) => void {
  return (l) => { if (!l.includes('[info]')) process.stderr.write(`[${id}] ${l}\n`); };
}

export async function startSoakStack(o: SoakOptions): Promise<SoakStack> {
  const { model } = await loadModel(resolveBuiltinModel(o.model));
  const broker = new EmbeddedBroker({ port: 0, host: '127.0.0.1' });
  const url = `mqtt://127.0.0.1:${(await broker.start()).port}`;
  const topics = new Topics({ cluster: `soak${process.pid}` });
  const heapDir = o.heapDir ? resolve(o.heapDir) : undefined;
  if (heapDir) mkdirSync(heapDir, { recursive: true });
  const env: Record<string, string> = heapDir ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${heapDir}`.trim() } : {};
  const workers = Array.from({ length: o.workers }, (_, i) => spawnWorker({ id: `w${i}`, broker: url, cluster: topics.cluster, args: ['--speed', 'measure'], env, echo: echo(`w${i}`) }));
  const kill = () => workers.forEach((w) => w.child.kill('SIGKILL'));
  process.once('exit', kill);
  const { planner, stop: stopPlanner } = await startPlanner({ url }, topics, { model, plan: autoPlanFn({ source: o.model, objective: o.objective }), expectedWorkers: o.workers, waitMs: 300_000 });
  const client = await connect({ url }, `bench-soak-${process.pid}`);
  const running = new Map<string, string | null>();
  await topics.subscribe(client, topics.workerStats('+'), (m) => { if (m.payload.ok) running.set(m.payload.value.worker, m.payload.value.plan); });
  return {
    url, topics, planner, client, workers,
    async adopted(timeoutMs, stopped) {
      const deadline = Date.now() + timeoutMs;
      while (!(planner.plan && workers.every((w) => running.get(w.id) === planner.plan!.planId))) {
        if (Date.now() > deadline) throw new Error(`bench soak: the ${workers.length} workers did not adopt a plan within ${timeoutMs} ms`);
        if (stopped()) throw new Error('bench soak: stopped before the workers adopted a plan');
        const dead = workers.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
        if (dead) throw new Error(`bench soak: worker ${dead.id} exited (${dead.child.exitCode ?? dead.child.signalCode}) before it adopted a plan`);
        await sleep(200);
      }
    },
    async stop() {
      await stopPlanner({ clear: true }).catch(() => undefined);
      await client.close().catch(() => undefined);
      await Promise.all(workers.map((w) => w.stop()));
      process.off('exit', kill);
      await broker.stop();
    },
  };
}

/** One heap snapshot of every worker (SIGUSR2, written to `dir` by Node) and of this process, tagged `label`. */
export function heapSnapshots(dir: string, label: string, workers: readonly SpawnedWorker[]): string {
  for (const w of workers) w.child.kill('SIGUSR2');
  return writeHeapSnapshot(join(resolve(dir), `main-${label}-${process.pid}.heapsnapshot`));
}
