/** The live one-line status of `up`: frames/s, latency, workers online, errors. */
import type { Transport } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { PlannerService } from '../planner/service.ts';
import { predictionLine, type PredictionSummary } from './prediction-line.ts';

export interface LiveStatus {
  nextPredictions(timeoutMs?: number): Promise<unknown>;
  stop(): void;
}

export async function liveStatus(ctx: { transport: Transport; topics: Topics; planner: PlannerService; print: boolean }): Promise<LiveStatus> {
  const times: number[] = [];
  const latencies: number[] = [];
  let errors = 0;
  const waiters: ((m: unknown) => void)[] = [];
  await ctx.transport.subscribe(ctx.topics.cameraPredictions('+'), (_t, payload) => {
    let msg: PredictionSummary;
    try { msg = JSON.parse(Buffer.from(payload).toString('utf8')); } catch { return; }
    // One compact line per prediction on stdout (issue 10 #11); the full JSON is on the topic.
    process.stdout.write(predictionLine(msg) + '\n');
    times.push(Date.now());
    latencies.push(msg.latencyMs?.total ?? 0);
    for (const w of waiters.splice(0)) w(msg);
  });
  await ctx.transport.subscribe(ctx.topics.errors(), (_t, payload) => {
    errors++;
    process.stderr.write(`error: ${Buffer.from(payload).toString('utf8')}\n`);
  });
  const timer = setInterval(() => {
    if (!ctx.print) return;
    const now = Date.now();
    const recent = times.filter((t) => now - t < 10_000).length / 10;
    const lat = latencies.slice(-10);
    const online = ctx.planner.workers.filter((w) => w.online).length;
    const line = `frames/s ${recent.toFixed(1)} | latency ${lat.length ? (lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(0) : '-'} ms | workers ${online}/${ctx.planner.workers.length} | frames ${times.length} | errors ${errors}`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}   ` : `${line}\n`);
  }, process.stderr.isTTY ? 1000 : 10_000);
  timer.unref();
  return {
    nextPredictions: (timeoutMs = 300_000) => new Promise((resolve, reject) => {
      const to = setTimeout(() => reject(new Error(`up: no predictions within ${timeoutMs} ms`)), timeoutMs);
      waiters.push((m) => { clearTimeout(to); resolve(m); });
    }),
    stop: () => clearInterval(timer),
  };
}
