/**
 * Measuring one adopted plan from the gateway: a warm-up frame, `frames` frames one at a time
 * (latency as the camera sees it, per-stage times as the data source reports them, bytes counted on
 * the veths), then `pipelined` frames back to back (frames/s).
 */
import type { Model } from '../../shared/model/ir.ts';
import type { Transport } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { PlannerService } from '../../planner/service.ts';
import { median, round } from '../stats.ts';
import { describePlan, type PlanResult } from './report.ts';

export type { PlanResult };

export type Counters = Map<string, { up: number; down: number }>;

export interface MeasureContext {
  readonly client: Transport;
  readonly topics: Topics;
  readonly planner: PlannerService;
  readonly model: Model;
  readonly image: Uint8Array;
  readonly counters: () => Counters;
  readonly frames: number;
  readonly pipelined: number;
  readonly workers: number;
  /** A line for whoever watches the run (adoption, each frame). */
  readonly progress: (message: string) => void;
}

interface Prediction { frame: number; plan: string; latencyMs: { total: number; stages: { stage: string; ms: number }[] } }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Predictions in arrival order, awaited one at a time. */
function inbox(): { push: (p: Prediction) => void; next: (timeoutMs: number) => Promise<Prediction | undefined> } {
  const queue: Prediction[] = [];
  let wake: (() => void) | undefined;
  return {
    push: (p) => { queue.push(p); wake?.(); },
    next: async (timeoutMs) => {
      const until = Date.now() + timeoutMs;
      while (queue.length === 0 && Date.now() < until) await new Promise<void>((r) => { wake = r; setTimeout(r, Math.min(500, until - Date.now())); });
      return queue.shift();
    },
  };
}

async function adopted(ctx: MeasureContext): Promise<string> {
  const stats = new Map<string, string | null>();
  await ctx.client.subscribe(ctx.topics.workerStats('+'), (_t, p) => {
    const s = JSON.parse(Buffer.from(p).toString('utf8')) as { worker: string; plan: string | null };
    stats.set(s.worker, s.plan);
  });
  for (;;) {
    const id = ctx.planner.plan?.planId;
    if (id && [...stats.values()].filter((p) => p === id).length >= ctx.workers) return id;
    await sleep(250);
  }
}

export async function measurePlan(ctx: MeasureContext): Promise<PlanResult> {
  const box = inbox();
  await ctx.client.subscribe(ctx.topics.cameraPredictions('+'), (_t, p) => box.push(JSON.parse(Buffer.from(p).toString('utf8')) as Prediction));
  const planId = await adopted(ctx);
  const pred0 = ctx.planner.plan!.predicted;
  ctx.progress(`${ctx.workers} worker(s) run ${describePlan(ctx.planner.plan!)}, predicted ${round((pred0?.latencyMs ?? 0) / 1000, 2)} s; warm-up frame`);
  const send = (): Promise<void> => ctx.topics.publish(ctx.client, ctx.topics.cameraFrame('bench'), ctx.image);
  // Warm-up (kernels compile, weights upload); resent if it raced the plan's adoption.
  for (let got: Prediction | undefined; !got;) {
    await send();
    got = await box.next(120_000);
  }
  const before = ctx.counters();
  const latencies: number[] = [];
  const reported: number[] = [];
  const stages = new Map<string, number[]>();
  for (let i = 0; i < ctx.frames; i++) {
    const t0 = performance.now();
    await send();
    const p = await box.next(Number.POSITIVE_INFINITY);
    latencies.push(performance.now() - t0);
    reported.push(p!.latencyMs.total);
    ctx.progress(`frame ${i + 1}/${ctx.frames}: ${round(latencies[i]! / 1000, 2)} s`);
    for (const s of p!.latencyMs.stages) stages.set(s.stage, [...(stages.get(s.stage) ?? []), s.ms]);
  }
  const after = ctx.counters();
  const bytesPerLink = Object.fromEntries([...after].map(([id, a]) => [id, {
    up: Math.round((a.up - before.get(id)!.up) / ctx.frames), down: Math.round((a.down - before.get(id)!.down) / ctx.frames),
  }]));
  let framesPerS: number | null = null;
  if (ctx.pipelined > 0) {
    const t0 = performance.now();
    for (let i = 0; i < ctx.pipelined; i++) await send();
    for (let i = 0; i < ctx.pipelined; i++) await box.next(Number.POSITIVE_INFINITY);
    framesPerS = round(ctx.pipelined / ((performance.now() - t0) / 1000), 3);
    ctx.progress(`${ctx.pipelined} frames back to back: ${framesPerS} frames/s`);
  }
  const plan = ctx.planner.plan!;
  const pred = plan.predicted;
  return {
    planId, description: describePlan(plan), devices: plan.devices.length,
    latenciesMs: latencies.map((x) => round(x)), latencyMs: round(median(latencies)), reportedMs: round(median(reported)), framesPerS,
    bytesPerFrame: Object.values(bytesPerLink).reduce((s, l) => s + l.up + l.down, 0), bytesPerLink,
    stagesMs: Object.fromEntries([...stages].map(([s, xs]) => [s, round(median(xs))])),
    predicted: pred ? { latencyMs: round(pred.latencyMs), bytesPerFrame: Math.round(pred.bytesPerFrame), bytesPerLink: pred.bytesPerLink } : null,
  };
}
