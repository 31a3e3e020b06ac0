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
import { Topics } from '../shared/topics.ts';
import { EmbeddedBroker } from '../broker/server.ts';
import { connect, startPlanner } from '../cli/stack.ts';
import { spawnWorker } from '../cli/spawn.ts';
import { autoPlanFn } from '../planner/auto.ts';
import { initBackend } from '../worker/engine/backend.ts';
import { inferImage } from '../worker/infer.ts';
import { emit, median, percentile, round } from './stats.ts';

interface Pred { frame: number; latencyMs: { total: number; stages: { stage: string; ms: number }[] } }

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
  await inferImage({ model, weights, image });
  const singles: number[] = [];
  for (let i = 0; i < 3; i++) singles.push((await inferImage({ model, weights, image })).ms);
  const singleMs = median(singles);
  const embedded = v.broker ? undefined : new EmbeddedBroker({ port: 0 });
  const url = v.broker ?? `mqtt://127.0.0.1:${(await embedded!.start()).port}`;
  const topics = new Topics({ cluster: `bench${process.pid}` });
  const workers = Array.from({ length: n }, (_, i) => spawnWorker({ id: `w${i}`, broker: url, cluster: topics.cluster, args: ['--speed', 'measure', '--snapshot', '0'], echo: (l) => { if (!l.includes('[info]')) process.stderr.write(`[w${i}] ${l}\n`); } }));
  const { planner, stop } = await startPlanner({ url }, topics, { model, plan: autoPlanFn({ source: v.model!, objective: v.objective }), expectedWorkers: n, waitMs: 120_000 });
  const client = await connect({ url }, `bench-e2e-${process.pid}`);
  const got: Pred[] = [];
  const received = new Map<string, number>();
  await client.subscribe(topics.cameraPredictions('+'), (_t, p) => got.push(JSON.parse(Buffer.from(p).toString('utf8')) as Pred));
  await client.subscribe(topics.workerStats('+'), (_t, p) => {
    const s = JSON.parse(Buffer.from(p).toString('utf8')) as { worker: string; receivedBytes: number; plan: string | null };
    if (s.plan === planner.plan?.planId) received.set(s.worker, s.receivedBytes);
  });
  try {
    await Promise.all(workers.map((w) => w.ready));
    while (!(planner.plan && received.size === n)) await new Promise((r) => setTimeout(r, 200));
    // Warm-up frame (kernels compile, weights upload); resent if it raced the plan's adoption.
    for (let i = 0; got.length < 1; i++) {
      if (i % 600 === 0) await topics.publish(client, topics.cameraFrame('bench'), image);
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = [...received.values()].reduce((a, b) => a + b, 0);
    got.length = 0;
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) await topics.publish(client, topics.cameraFrame('bench'), image);
    while (got.length < frames) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 1500)); // one more stats period
    const bytes = ([...received.values()].reduce((a, b) => a + b, 0) - before) / frames;
    const totals = got.map((p) => p.latencyMs.total);
    const stages = new Map<string, number[]>();
    for (const p of got) for (const s of p.latencyMs.stages) stages.set(s.stage, [...(stages.get(s.stage) ?? []), s.ms]);
    emit({
      bench: 'e2e', model: model.name, input: [model.input.h, model.input.w], workers: n, frames, broker: v.broker ? 'external' : 'aedes', objective: v.objective, plan: planner.plan?.stages.map((s) => s.id).length,
      predictedBytesPerFrame: planner.plan?.predicted?.bytesPerFrame,
      framesPerS: round(frames / seconds, 2), latencyP50: round(median(totals)), latencyP95: round(percentile(totals, 95)),
      bytesPerFrame: Math.round(bytes), singleDeviceMs: round(singleMs),
      stages: Object.fromEntries([...stages].map(([s, xs]) => [s, { p50: round(median(xs)), p95: round(percentile(xs, 95)) }])),
    });
    process.stdout.write(`# ${model.name} on ${n} worker processes: ${round(frames / seconds, 2)} frames/s pipelined, p50 ${round(median(totals))} ms vs single device ${round(singleMs)} ms; ${round(bytes / 1e6, 2)} MB received per frame\n`);
  } finally {
    await stop(); await client.close();
    await Promise.all(workers.map((w) => w.stop()));
    await embedded?.stop();
  }
}
