/** Helpers for runtime tests: a planner + N workers on a target, frames in, predictions out. */
import { readFileSync } from 'node:fs';
import type { Model, Weights } from '../../shared/model/ir.ts';
import { Topics } from '../../shared/topics.ts';
import type { Transport } from '../../shared/transport/types.ts';
import type { PlanDevice } from '../../shared/plan/types.ts';
import type { Engine } from '../../worker/engine/engine.ts';
import { buildPlan } from '../../planner/plan/build.ts';
import { specFromPreset } from '../../planner/presets.ts';
import { connect, startPlanner, startWorker, type Target } from '../../cli/stack.ts';
import { SAMPLE_IMAGE } from '../../shared/assets.ts';

export const DOG = readFileSync(SAMPLE_IMAGE);

export function fusedPlanFn(source: string, ftpLayers: number, grid = 2) {
  return (model: Model, devices: PlanDevice[]) => {
    const sink = model.nodes[ftpLayers - 1]!.out;
    const g = Math.min(grid, sink.h);
    return buildPlan(model, specFromPreset(model, { devices, ftpLayers, grid: { rows: g, cols: g }, tail: 'fused', dtype: 'float32' }), { source });
  };
}

/** Collect JSON messages on a topic filter. */
export async function collect(t: Transport, filter: string): Promise<{ messages: { topic: string; body: any }[]; next: (n?: number, ms?: number) => Promise<any[]> }> {
  const messages: { topic: string; body: any }[] = [];
  const waiters: (() => void)[] = [];
  await t.subscribe(filter, (topic, payload) => {
    try { messages.push({ topic, body: JSON.parse(Buffer.from(payload).toString('utf8')) }); } catch { messages.push({ topic, body: Buffer.from(payload) }); }
    for (const w of waiters.splice(0)) w();
  });
  const next = async (n = 1, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (messages.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} messages on ${filter} (got ${messages.length})`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
    }
    return messages.slice(0, n).map((m) => m.body);
  };
  return { messages, next };
}

/** `workerTarget`: each worker's own account (issue 14 §3 role tests); default `target`. */
/** `engineFor`: a worker's own engine (e.g. a slowed one, test/runtime/steal.test.ts); `steal`: work stealing (default on). */
export async function startCluster(target: Target, o: { model: Model; weights: Weights; source: string; workers: number; ftpLayers: number; grid?: number; threshold?: number; topics?: Topics; framesInFlight?: number; workerTarget?: (id: string) => Target; engineFor?: (id: string) => Engine; steal?: boolean }) {
  const topics = o.topics ?? new Topics();
  const workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  for (let i = 0; i < o.workers; i++) {
    workers.push(await startWorker(o.workerTarget?.(`w${i}`) ?? target, topics, {
      id: `w${i}`, memoryBytes: 4e9, speedGflops: 10, linkBps: 100e6, backend: 'wasm', preloaded: { model: o.model, weights: o.weights },
      extra: { decode: o.threshold === undefined ? undefined : { threshold: o.threshold }, snapshotQuality: 70, deadlineMs: 60_000, framesInFlight: o.framesInFlight, steal: o.steal, ...(o.engineFor ? { engine: o.engineFor(`w${i}`) } : {}) },
    }));
  }
  const planner = await startPlanner(target, topics, { model: o.model, plan: fusedPlanFn(o.source, o.ftpLayers, o.grid), expectedWorkers: o.workers, waitMs: 20_000 });
  const client = await connect(target, `test-client-${Math.random().toString(36).slice(2)}`);
  /** Resolves when every worker runs the planner's current plan. */
  const planned = async (ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const id = planner.planner.plan?.planId;
      if (id && workers.every((w) => w.worker.plan?.planId === id)) {
        await Promise.all(workers.map((w) => w.worker.settled()));
        return planner.planner.plan!;
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for the workers to adopt a plan');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    await planner.stop();
    for (const w of workers) { await w.worker.stop(); await w.transport.close(); }
    await client.close();
  };
  return { topics, workers, planner, client, stop, planned };
}

/** Same detections up to float noise: equal count, and each one matched by label, box and score (ties may reorder). */
export function assertSameDetections(got: { label: string; score: number; box: number[] }[], want: readonly { label: string; score: number; box: readonly number[] }[]): void {
  if (got.length !== want.length) throw new Error(`detections: got ${got.length}, single device ${want.length}`);
  const left = [...want];
  for (const d of got) {
    const i = left.findIndex((s) => s.label === d.label && Math.abs(s.score - d.score) <= 1e-4 * Math.max(1, s.score) && s.box.every((v, k) => Math.abs(v - d.box[k]!) < 0.05));
    if (i < 0) throw new Error(`detection ${d.label} ${d.score} [${d.box}] has no single-device match`);
    left.splice(i, 1);
  }
}
