/**
 * One plan of `bench cluster`: the gateway process in the gateway namespace, then the workers, each
 * in its cgroup and namespace, connecting to the broker at their link's gateway address. Resolves
 * with the gateway's measurement; fails with the last lines a process printed when one dies early.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_PASSWORD_ENV, type ClusterOptions, type PlanRecipe } from './options.ts';
import { generatePassword } from '../../broker/passwords.ts';
import { confined, type CgroupFs, type Layout } from './layout.ts';
import type { GatewaySpec } from './gateway-plan.ts';
import type { PlanResult } from './measure.ts';

const PORT = 1883;

/** Every child the bench started, so that any way out can stop them (and only them). */
export class Children {
  readonly #set = new Set<ChildProcess>();

  spawn(argv: readonly string[], cwd: string): { child: ChildProcess; tail: string[] } {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#set.add(child);
    child.once('exit', () => this.#set.delete(child));
    const tail: string[] = [];
    child.stderr!.on('data', (b: Buffer) => {
      tail.push(...b.toString().split('\n').filter((s) => s.trim()));
      tail.splice(0, Math.max(0, tail.length - 15));
    });
    return { child, tail };
  }

  killAll(): void {
    for (const c of this.#set) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

export interface PlanRun {
  readonly o: ClusterOptions;
  readonly l: Layout;
  readonly fs: CgroupFs;
  readonly plan: string;
  readonly recipe: PlanRecipe;
  readonly children: Children;
  readonly root: string;
  readonly deadlineMs: number;
}

type GatewayEvent = { event: 'ready' } | { event: 'progress'; message: string } | ({ event: 'result' } & PlanResult) | { event: 'error'; message: string };

/** The gateway's JSON lines, in order, as promises: `next()` resolves with the next one. */
function events(child: ChildProcess, tail: string[]): () => Promise<GatewayEvent> {
  const queue: GatewayEvent[] = [];
  const waiting: ((e: GatewayEvent) => void)[] = [];
  const deliver = (e: GatewayEvent): void => { const w = waiting.shift(); if (w) w(e); else queue.push(e); };
  let buf = '';
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as GatewayEvent;
      if (e.event === 'progress') process.stderr.write(`bench cluster:   ${e.message}\n`);
      else deliver(e);
    }
  });
  child.once('exit', (code) => deliver({ event: 'error', message: `gateway exited with code ${code}: ${tail.join(' | ')}` }));
  return () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r)));
}

export function workerArgv(r: Pick<PlanRun, 'o' | 'root' | 'deadlineMs'>, id: string, gwAddr: string): string[] {
  return [process.execPath, join(r.root, 'bin/deeperthings.js'), 'worker', '--broker', `mqtt://${gwAddr}:${PORT}`, '--id', id, '--username', id, '--cluster', 'bench',
    '--link', String(r.o.linkBps), '--snapshot', '0', '--deadline-ms', String(Math.max(60_000, r.deadlineMs)), ...(r.o.steal ? [] : ['--no-steal'])];
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
}

/** What the gateway process runs for this plan (its planner gets the tail, objective and wire). */
export function gatewaySpec(r: Pick<PlanRun, 'o' | 'l' | 'plan' | 'recipe' | 'deadlineMs'>): GatewaySpec {
  const links = r.recipe.single ? r.l.links.slice(0, 1) : r.l.links;
  return {
    plan: r.plan, model: r.o.model, objective: r.recipe.objective, tail: r.recipe.tail, workers: links.map((k) => ({ id: k.id, gwIf: k.gwIf })),
    frames: r.o.frames, pipelined: r.o.pipelined, port: PORT, deadlineMs: r.deadlineMs, ...(r.o.wire ? { wire: r.o.wire } : {}),
  };
}

export async function runPlan(r: PlanRun): Promise<PlanResult> {
  const links = r.recipe.single ? r.l.links.slice(0, 1) : r.l.links;
  const spec = gatewaySpec(r);
  // Workers and the gateway inherit the run's broker password from the environment (gateway.ts).
  process.env[BENCH_PASSWORD_ENV] ??= generatePassword();
  const gw = r.children.spawn(['ip', 'netns', 'exec', r.l.gw, process.execPath, '--import', 'tsx', join(r.root, 'bench/cluster/gateway.ts'), JSON.stringify(spec)], r.root);
  const next = events(gw.child, gw.tail);
  const workers: ReturnType<Children['spawn']>[] = [];
  try {
    const ready = await next();
    if (ready.event !== 'ready') throw new Error(`bench cluster: plan ${r.plan}: ${ready.event === 'error' ? ready.message : 'no ready event'}`);
    const died = new Promise<never>((_res, reject) => {
      for (const k of links) {
        const w = r.children.spawn(confined(r.fs, r.o.prefix, k, workerArgv(r, k.id, k.gwAddr)), r.root);
        workers.push(w);
        w.child.once('exit', (code) => reject(new Error(`bench cluster: worker ${k.id} exited with code ${code}: ${w.tail.join(' | ')}`)));
      }
    });
    died.catch(() => undefined); // workers exit when stopped, after the result
    const e = await Promise.race([next(), died]);
    if (e.event !== 'result') throw new Error(`bench cluster: plan ${r.plan}: ${e.event === 'error' ? e.message : 'unexpected event'}`);
    const { event: _event, ...result } = e;
    return result;
  } finally {
    await Promise.all(workers.map((w) => stop(w.child)));
    await stop(gw.child);
  }
}
