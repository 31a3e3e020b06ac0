/**
 * `npm run bench -- soak [--minutes 30] [--rate 1] [--workers 3] [--model centernet] [--sample-s 10]`
 * (issue 14 §6): the whole runtime for a long while, the sample photo once a second; RSS of every
 * process sampled, every frame accounted for (predictions, a coded error, or unanswered). Prints one
 * JSON line per sample, a final JSON result and the claim line; exits non-zero if a frame is unanswered.
 * Ctrl-C/SIGTERM stops the camera, the children and prints what was measured so far.
 */
import { readFileSync } from 'node:fs';
import { SAMPLE_IMAGE } from '../../shared/assets.ts';
import { emit, round } from '../stats.ts';
import { FrameLedger } from './ledger.ts';
import { parseSoakArgs, warmupMs, warmupNote, type SoakOptions } from './options.ts';
import { readRss, summarize, signedPct, type RssPoint, type RssSummary } from './rss.ts';
import { heapSnapshots, startSoakStack, type SoakStack } from './stack.ts';
import { Stopper } from './stopper.ts';

const CAMERA = 'soak';

const devices = (n: number) => `${n} device${n === 1 ? '' : 's'}`;

/** The first SIGINT/SIGTERM stops the run (what was measured is printed); a second one exits at once. */
function stopOnSignal(): Stopper {
  const stopper = new Stopper();
  const on = (s: NodeJS.Signals) => {
    if (stopper.stopped) process.exit(s === 'SIGINT' ? 130 : 143);
    process.stderr.write(`bench soak: ${s}: stopping the camera and the children, printing what was measured\n`);
    stopper.stop();
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return stopper;
}

/** Publish frames until one comes back (kernels compile, weights load); its frame number starts the run. */
async function warmUp(s: SoakStack, image: Buffer, sig: Stopper): Promise<number> {
  let first: number | undefined;
  const off = await s.topics.subscribe(s.client, s.topics.cameraPredictions(CAMERA), (m) => { if (m.payload.ok) first ??= m.payload.value.frame; });
  for (let i = 0; first === undefined && !sig.stopped; i++) {
    if (i % 600 === 0) await s.topics.publish(s.client, s.topics.cameraFrame(CAMERA), image, { qos: 1 });
    await sig.wait(100);
  }
  await off();
  return (first ?? 0) + 1;
}

async function listen(s: SoakStack, ledger: FrameLedger): Promise<void> {
  await s.topics.subscribe(s.client, s.topics.cameraPredictions(CAMERA), (m) => {
    if (m.payload.ok) ledger.prediction({ camera: m.payload.value.camera, frame: m.payload.value.frame, latencyMs: m.payload.value.latencyMs.total });
  });
  await s.topics.subscribe(s.client, s.topics.errors(), (m) => {
    if (m.payload.ok) ledger.error({ code: m.payload.value.code, frame: m.payload.value.frame, camera: m.payload.value.camera });
  });
}

/** Process name → pid: this process (broker, planner, camera) and each worker child. */
function processes(s: SoakStack): [string, number][] {
  return [['main', process.pid], ...s.workers.map((w): [string, number] => [w.id, w.child.pid ?? -1])];
}

async function sample(s: SoakStack, t0: number, series: Map<string, RssPoint[]>, ledger: FrameLedger): Promise<void> {
  const t = performance.now() - t0;
  const rssMb: Record<string, number | null> = {};
  for (const [name, pid] of processes(s)) {
    const bytes = await readRss(pid);
    rssMb[name] = bytes === undefined ? null : round(bytes / 1e6);
    if (bytes === undefined) continue;
    const points = series.get(name) ?? [];
    points.push({ t, bytes });
    series.set(name, points);
  }
  const l = ledger.summary();
  emit({ bench: 'soak', sample: true, tS: round(t / 1000), sent: l.sent, answered: l.answered, errored: Object.values(l.errored).reduce((a, b) => a + b, 0), pending: l.unanswered, rssMb });
}

/** The camera: frames on an absolute schedule (no drift), RSS samples every `sampleS` in between. */
async function drive(o: SoakOptions, s: SoakStack, ledger: FrameLedger, sig: Stopper, image: Buffer, series: Map<string, RssPoint[]>): Promise<number> {
  const t0 = performance.now(), runMs = o.minutes * 60_000;
  let nextSample = 0, snapped = !o.heapDir;
  for (let i = 0; !sig.stopped && performance.now() - t0 < runMs; i++) {
    await sig.wait(t0 + (i * 1000) / o.rate - performance.now());
    if (sig.stopped) break;
    void s.topics.publish(s.client, s.topics.cameraFrame(CAMERA), image, { qos: 1 }).catch((e: Error) => process.stderr.write(`bench soak: frame ${i} not published: ${e.message}\n`));
    ledger.sent();
    if (performance.now() - t0 >= nextSample) {
      await sample(s, t0, series, ledger);
      nextSample += o.sampleS * 1000;
    }
    if (!snapped && performance.now() - t0 >= warmupMs(runMs)) snapped = !!heapSnapshots(o.heapDir!, 'warm', s.workers);
  }
  return t0;
}

function claim(summary: ReturnType<FrameLedger['summary']>, rss: Record<string, RssSummary | undefined>, warmMin: number): string {
  const growth = Object.entries(rss).map(([name, r]) => `${name} ${r ? `${signedPct(r.growthPct)} (median ${signedPct(r.medianGrowthPct)})` : 'n/a'}`).join(', ');
  return `# soak: ${summary.unanswered} frames unanswered of ${summary.sent} (${summary.answered} answered); RSS growth after minute ${warmMin}: ${growth} (target < 5 %)`;
}

export async function benchSoak(argv: string[]): Promise<void> {
  const o = parseSoakArgs(argv);
  const sig = stopOnSignal();
  const image = readFileSync(SAMPLE_IMAGE);
  const s = await startSoakStack(o);
  const series = new Map<string, RssPoint[]>();
  let ledger: FrameLedger | undefined, t0 = performance.now(), ranMs = 0;
  try {
    await s.adopted(600_000, () => sig.stopped);
    const firstFrame = await warmUp(s, image, sig);
    ledger = new FrameLedger({ camera: CAMERA, firstFrame });
    await listen(s, ledger);
    process.stderr.write(`bench soak: ${o.workers} workers, plan ${s.planner.plan?.planId} (${devices(s.planner.plan?.devices.length ?? 0)}, data source ${s.planner.plan?.dataSource}); ${o.minutes} min at ${o.rate} frame/s; ${warmupNote(o.minutes * 60_000)}\n`);
    t0 = await drive(o, s, ledger, sig, image, series);
    ranMs = performance.now() - t0;
    // The end sample is the run's last second (frames still flowing), not the idle drain after it.
    await sample(s, t0, series, ledger);
    if (o.heapDir) heapSnapshots(o.heapDir, 'end', s.workers);
    const drainEnd = performance.now() + o.drainS * 1000;
    while (!sig.stopped && !ledger.settled() && performance.now() < drainEnd) await sig.wait(250);
  } finally {
    report(o, s, ledger, series, ranMs || performance.now() - t0);
    await s.stop();
  }
}

function report(o: SoakOptions, s: SoakStack, ledger: FrameLedger | undefined, series: Map<string, RssPoint[]>, ranMs: number): void {
  const summary = (ledger ?? new FrameLedger({ camera: CAMERA, firstFrame: 0 })).summary();
  const warm = warmupMs(ranMs);
  const rss = Object.fromEntries([...series].map(([name, pts]) => [name, summarize(pts, warm)]));
  emit({
    bench: 'soak', model: o.model, objective: o.objective, workers: o.workers, rate: o.rate, minutes: round(ranMs / 60_000, 2), plan: s.planner.plan?.planId, planDevices: s.planner.plan?.devices.map((d) => d.id), dataSource: s.planner.plan?.dataSource,
    warmup: warmupNote(ranMs), ...summary, rss,
  });
  process.stdout.write(`${claim(summary, rss, round(warm / 60_000, 2))}\n`);
  if (summary.unanswered > 0 || !ledger) process.exitCode = 1;
}
