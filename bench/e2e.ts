/**
 * `npm run bench -- e2e [--workers 3] [--model yolov2-tiny] [--frames 20] [--input-size HxW]
 * [--broker mqtt://…] [--objective comm|latency]`: the whole runtime on this machine (embedded broker unless --broker, N
 * worker processes): frames/s, latency p50/p95 in total and per stage, bytes per frame, and the
 * single-device latency of the same model for comparison.
 */
import { parseArgs } from 'node:util';
import { loadModel } from '../shared/model/load.ts';
import { resolveBuiltinModel, SAMPLE_IMAGE } from '../shared/assets.ts';
import { readFileSync } from 'node:fs';
import { Topics, type TopicMap } from '../shared/topics.ts';
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Transport } from '../shared/transport/types.ts';
import { EmbeddedBroker } from '../broker/server.ts';
import { connect, startPlanner } from '../cli/stack.ts';
import { spawnWorker } from '../cli/spawn.ts';
import { autoPlanFn } from '../planner/auto.ts';
import { initBackend } from '../worker/engine/backend.ts';
import { inferImage } from '../worker/infer.ts';
import { emit, median, percentile, round } from './stats.ts';

type Pred = TopicMap['cameraPredictions'];

/** Single-device latency of the same model on this machine, after one warm-up run. */
async function singleDeviceMs(model: Model, weights: Weights, image: Uint8Array): Promise<number> {
  await inferImage({ model, weights, image });
  const singles: number[] = [];
  for (let i = 0; i < 3; i++) singles.push((await inferImage({ model, weights, image })).ms);
  return median(singles);
}

/** Predictions as they arrive, and each worker's received bytes under the current plan (its stats). */
async function watch(client: Transport, topics: Topics, planId: () => string | undefined): Promise<{ got: Pred[]; received: Map<string, number> }> {
  const got: Pred[] = [];
  const received = new Map<string, number>();
  await topics.subscribe(client, topics.cameraPredictions('+'), (m) => m.payload.ok && got.push(m.payload.value));
  await topics.subscribe(client, topics.workerStats('+'), (m) => {
    if (m.payload.ok && m.payload.value.plan === planId()) received.set(m.payload.value.worker, m.payload.value.receivedBytes);
  });
  return { got, received };
}

function latencies(got: readonly Pred[]): { totals: number[]; stages: Record<string, { p50: number; p95: number }> } {
  const stages = new Map<string, number[]>();
  for (const p of got) for (const s of p.latencyMs.stages) stages.set(s.stage, [...(stages.get(s.stage) ?? []), s.ms]);
  return {
    totals: got.map((p) => p.latencyMs.total),
    stages: Object.fromEntries([...stages].map(([s, xs]) => [s, { p50: round(median(xs)), p95: round(percentile(xs, 95)) }])),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchE2e(argv: string[]): Promise<void> {
  const { values: v } = parseArgs({ args: argv, options: {
    workers: { type: 'string', default: '3' }, model: { type: 'string', default: 'yolov2-tiny' }, frames: { type: 'string', default: '20' },
    'input-size': { type: 'string' }, broker: { type: 'string' }, objective: { type: 'string', default: 'comm' },
  } });
  const n = Number(v.workers), frames = Number(v.frames);
  const size = v['input-size']?.split('x').map(Number);
  const inputSize = size ? { h: size[0]!, w: size[1]! } : undefined;
  const { model, weights } = await loadModel(resolveBuiltinModel(v.model!), { inputSize });
  const image = readFileSync(SAMPLE_IMAGE);
  await initBackend();
  const singleMs = await singleDeviceMs(model, weights, image);
  const embedded = v.broker ? undefined : new EmbeddedBroker({ port: 0 });
  const url = v.broker ?? `mqtt://127.0.0.1:${(await embedded!.start()).port}`;
  const topics = new Topics({ cluster: `bench${process.pid}` });
  const workers = Array.from({ length: n }, (_, i) => spawnWorker({ id: `w${i}`, broker: url, cluster: topics.cluster, args: ['--speed', 'measure', '--snapshot', '0'], echo: (l) => { if (!l.includes('[info]')) process.stderr.write(`[w${i}] ${l}\n`); } }));
  const { planner, stop } = await startPlanner({ url }, topics, { model, plan: autoPlanFn({ source: v.model!, objective: v.objective }), expectedWorkers: n, waitMs: 120_000 });
  const client = await connect({ url }, `bench-e2e-${process.pid}`);
  const { got, received } = await watch(client, topics, () => planner.plan?.planId);
  try {
    await Promise.all(workers.map((w) => w.ready));
    while (!(planner.plan && received.size === n)) await sleep(200);
    // Warm-up frame (kernels compile, weights upload); resent if it raced the plan's adoption.
    for (let i = 0; got.length < 1; i++) {
      if (i % 600 === 0) await topics.publish(client, topics.cameraFrame('bench'), image);
      await sleep(50);
    }
    const before = [...received.values()].reduce((a, b) => a + b, 0);
    got.length = 0;
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) await topics.publish(client, topics.cameraFrame('bench'), image);
    while (got.length < frames) await sleep(50);
    const seconds = (performance.now() - t0) / 1000;
    await sleep(1500); // one more stats period
    const bytes = ([...received.values()].reduce((a, b) => a + b, 0) - before) / frames;
    const { totals, stages } = latencies(got);
    emit({
      bench: 'e2e', model: model.name, input: [model.input.h, model.input.w], workers: n, frames, broker: v.broker ? 'external' : 'aedes', objective: v.objective, plan: planner.plan?.stages.map((s) => s.id).length,
      predictedBytesPerFrame: planner.plan?.predicted?.bytesPerFrame,
      framesPerS: round(frames / seconds, 2), latencyP50: round(median(totals)), latencyP95: round(percentile(totals, 95)),
      bytesPerFrame: Math.round(bytes), singleDeviceMs: round(singleMs), stages,
    });
    process.stdout.write(`# ${model.name} on ${n} worker processes: ${round(frames / seconds, 2)} frames/s pipelined, p50 ${round(median(totals))} ms vs single device ${round(singleMs)} ms; ${round(bytes / 1e6, 2)} MB received per frame\n`);
  } finally {
    await stop(); await client.close();
    await Promise.all(workers.map((w) => w.stop()));
    await embedded?.stop();
  }
}
