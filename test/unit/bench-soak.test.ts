/**
 * `bench soak`'s pure parts (bench/soak/options.ts, ledger.ts, rss.ts): argument parsing and the
 * scaled warm-up, the frame accounting (answered / errored by code / unanswered), and the RSS maths
 * (growth after warm-up, peak, slope, /proc parsing), and the stop switch that must not keep one
 * promise per frame (stopper.ts). The run itself is the bench.
 */
import assert from 'node:assert/strict';
import { UsageError } from '../../shared/errors.ts';
import { parseSoakArgs, warmupMs, warmupNote, WARMUP_MAX_MS } from '../../bench/soak/options.ts';
import { FrameLedger } from '../../bench/soak/ledger.ts';
import { parseVmRss, signedPct, slope, summarize } from '../../bench/soak/rss.ts';
import { percentile } from '../../bench/stats.ts';
import { Stopper } from '../../bench/soak/stopper.ts';

const usage = (argv: string[], re: RegExp): void => assert.throws(() => parseSoakArgs(argv), (e: unknown) => e instanceof UsageError && re.test(e.message));

describe('bench soak: arguments', () => {
  it('defaults: 30 min, a frame a second, 3 workers, the default model and objective (up\'s), a sample every 10 s', () => {
    assert.deepEqual({ ...parseSoakArgs([]) }, { minutes: 30, rate: 1, workers: 3, model: 'centernet', objective: 'latency', sampleS: 10, drainS: 45 });
  });

  it('the issue\'s command line, fractions, and a heap directory', () => {
    const o = parseSoakArgs(['--minutes', '12', '--rate', '0.5', '--workers', '2', '--model', 'yolov2-tiny', '--objective', 'comm', '--sample-s', '2.5', '--heap-dir', '/tmp/h']);
    assert.deepEqual({ ...o }, { minutes: 12, rate: 0.5, workers: 2, model: 'yolov2-tiny', objective: 'comm', sampleS: 2.5, drainS: 45, heapDir: '/tmp/h' });
  });

  it('bad values name the flag and what it takes', () => {
    usage(['--minutes', '0'], /--minutes expects a number in 0\.1\.\.10080, got '0'/);
    usage(['--workers', '1.5'], /--workers expects an integer in 1\.\.32, got '1\.5'/);
    usage(['--rate', 'fast'], /--rate expects a number .* got 'fast'/);
    usage(['--sample-s', ''], /--sample-s expects a number/);
    usage(['--frames', '3'], /bench soak: Unknown option '--frames'[\s\S]*usage: npm run bench -- soak/);
  });

  it('warm-up: 5 min for long runs, a third of a short one (and says so)', () => {
    assert.equal(warmupMs(30 * 60_000), WARMUP_MAX_MS);
    assert.equal(warmupMs(15 * 60_000), WARMUP_MAX_MS);
    assert.equal(warmupMs(60_000), 20_000);
    assert.equal(warmupNote(30 * 60_000), 'warm-up 5 min');
    assert.equal(warmupNote(60_000), 'warm-up 0.33 min (a third of a 1 min run, shorter than 5 min)');
  });
});

describe('bench soak: frame accounting', () => {
  const ledger = (sent: number, firstFrame = 10) => {
    const l = new FrameLedger({ camera: 'soak', firstFrame });
    for (let i = 0; i < sent; i++) l.sent();
    return l;
  };

  it('every frame with predictions is answered; none unanswered; latency percentiles', () => {
    const l = ledger(4);
    [10, 11, 12, 13].forEach((frame, i) => l.prediction({ camera: 'soak', frame, latencyMs: 100 * (i + 1) }));
    const s = l.summary();
    assert.deepEqual([s.sent, s.answered, s.unanswered, s.extra], [4, 4, 0, 0]);
    assert.deepEqual(s.errored, {});
    assert.deepEqual(s.latencyMs, { p50: 200, p95: 400, max: 400 });
    assert.equal(l.settled(), true);
  });

  it('a frame with several errors counts once under its first code; predictions win over a late error', () => {
    const l = ledger(5);
    l.prediction({ camera: 'soak', frame: 10, latencyMs: 1 });
    l.error({ code: 'deadline', frame: 10 });
    l.error({ code: 'deadline', frame: 11 });
    l.error({ code: 'task-failed', frame: 11 });
    l.error({ code: 'frame-dropped', frame: 12, camera: 'soak' });
    const s = l.summary();
    assert.equal(s.answered, 1);
    assert.deepEqual(s.errored, { deadline: 1, 'frame-dropped': 1 });
    assert.deepEqual(s.errorMessages, { deadline: 2, 'task-failed': 1, 'frame-dropped': 1 });
    assert.equal(s.unanswered, 2);
    assert.equal(l.settled(), false);
  });

  it('an error naming our camera but no frame (refused before it got a number) is one errored frame', () => {
    const l = ledger(2);
    l.prediction({ camera: 'soak', frame: 10, latencyMs: 1 });
    l.error({ code: 'bad-frame', camera: 'soak' });
    assert.deepEqual({ ...l.summary().errored }, { 'bad-frame': 1 });
    assert.equal(l.summary().unanswered, 0);
  });

  it('warm-up frames, other cameras and plan-wide errors are not accounted (but reported)', () => {
    const l = ledger(1);
    l.prediction({ camera: 'soak', frame: 9, latencyMs: 1 });
    l.prediction({ camera: 'porch', frame: 10, latencyMs: 1 });
    l.error({ code: 'deadline', frame: 3 });
    l.error({ code: 'bad-frame', camera: 'porch' });
    l.error({ code: 'plan-failed' });
    const s = l.summary();
    assert.deepEqual([s.answered, s.unanswered, s.unattributed], [0, 1, 2]);
    assert.deepEqual(s.errorMessages, { 'bad-frame': 1, 'plan-failed': 1 });
    assert.equal(s.latencyMs, null);
  });

  it('duplicated predictions count once; answers beyond the frames sent are reported as extra', () => {
    const l = ledger(1);
    l.prediction({ camera: 'soak', frame: 10, latencyMs: 1 });
    l.prediction({ camera: 'soak', frame: 10, latencyMs: 1 });
    l.error({ code: 'deadline', frame: 11 });
    const s = l.summary();
    assert.deepEqual([s.answered, s.unanswered, s.extra], [1, 0, 1]);
  });
});

describe('bench soak: RSS maths', () => {
  const MB = 1e6;
  it('growth is measured from the first sample at or after warm-up to the last; peak over the whole run', () => {
    const pts = [{ t: 0, bytes: 100 * MB }, { t: 60_000, bytes: 300 * MB }, { t: 300_000, bytes: 200 * MB }, { t: 600_000, bytes: 210 * MB }];
    const r = summarize(pts, 300_000)!;
    assert.deepEqual({ ...r }, { warmMb: 200, endMb: 210, peakMb: 300, growthPct: 5, slopeMbPerMin: 2, medianGrowthPct: 5, samples: 4 });
  });

  it('median growth compares the minute after warm-up with the last minute, so one GC-timed sample does not decide', () => {
    const sawtooth = Array.from({ length: 25 }, (_, i) => ({ t: i * 30_000, bytes: (i % 2 ? 110 : 100) * MB }));
    const r = summarize([...sawtooth, { t: 25 * 30_000, bytes: 100 * MB }, { t: 26 * 30_000, bytes: 100 * MB }], 0)!;
    assert.equal(r.growthPct, 0);
    const spiked = summarize([...sawtooth.slice(0, 24), { t: 24 * 30_000, bytes: 120 * MB }], 0)!;
    assert.equal(spiked.growthPct, 20);
    assert.equal(spiked.medianGrowthPct, 10);
  });

  it('a run shorter than its warm-up compares the last sample with itself; no samples → undefined', () => {
    assert.equal(summarize([{ t: 0, bytes: MB }, { t: 10, bytes: 2 * MB }], 1000)!.growthPct, 0);
    assert.equal(summarize([], 0), undefined);
  });

  it('slope is the least-squares fit in bytes per ms (0 when flat or a single point)', () => {
    assert.equal(slope([{ t: 0, bytes: 0 }, { t: 10, bytes: 10 }, { t: 20, bytes: 20 }]), 1);
    assert.equal(slope([{ t: 0, bytes: 5 }, { t: 10, bytes: 5 }]), 0);
    assert.equal(slope([{ t: 0, bytes: 5 }]), 0);
  });

  it('percentiles are nearest-rank, as the other benches report them', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual([percentile(xs, 50), percentile(xs, 95), percentile([7], 95)], [50, 95, 7]);
  });

  it('VmRSS from /proc/<pid>/status, in bytes; signed percentages for the claim line', () => {
    assert.equal(parseVmRss('Name:\tnode\nVmPeak:\t  999 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 1 kB\n'), 123456 * 1024);
    assert.equal(parseVmRss('Name:\tkthreadd\n'), undefined);
    assert.deepEqual([signedPct(1.234), signedPct(-0.4), signedPct(0)], ['+1.2 %', '-0.4 %', '+0.0 %']);
  });
});

describe('bench soak: stop switch', () => {
  it('two hundred sleeps leave nothing behind (the first version kept two promises per frame for the whole run)', async () => {
    const s = new Stopper();
    for (let i = 0; i < 200; i++) await s.wait(0);
    assert.equal(s.pending, 0);
  });

  it('stop() wakes every sleeper at once and later waits return at once', async () => {
    const s = new Stopper();
    const t0 = performance.now();
    const sleeping = [s.wait(60_000), s.wait(60_000)];
    assert.equal(s.pending, 2);
    s.stop();
    await Promise.all(sleeping);
    await s.wait(60_000);
    assert.ok(performance.now() - t0 < 1000);
    assert.deepEqual([s.stopped, s.pending], [true, 0]);
  });
});
