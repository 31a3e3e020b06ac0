/**
 * `npm run bench -- soak` options (pure): how long, how fast, how many workers, which model, how often
 * RSS is sampled, and the warm-up window after which growth is measured (issue 14 §6).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../shared/errors.ts';
import { DEFAULT_MODEL } from '../../cli/model-opts.ts';
import { DEFAULTS } from '../../shared/config/defaults.ts';

export interface SoakOptions {
  readonly minutes: number;
  /** Camera frames per second. */
  readonly rate: number;
  readonly workers: number;
  readonly model: string;
  /**
   * Planner objective, default `latency` as `up`'s (the planner may then pick one device, when one is
   * faster than a split, and leave the others idle); `comm` (the paper's) spreads the model over every
   * worker, so pieces cross the broker every frame.
   */
  readonly objective: string;
  /** RSS sampling period, seconds. */
  readonly sampleS: number;
  /** After the last frame: how long to wait for the last answers before a frame counts as unanswered. */
  readonly drainS: number;
  /** Directory for worker heap snapshots at the end of warm-up and at the end of the run (leak hunts). */
  readonly heapDir?: string;
}

/** The warm-up: RSS growth counts after the first 5 minutes. */
export const WARMUP_MAX_MS = 5 * 60_000;

export const SOAK_USAGE = `npm run bench -- soak [--minutes 30] [--rate 1] [--workers 3] [--model ${DEFAULT_MODEL}] [--objective latency] [--sample-s 10] [--drain-s 45] [--heap-dir DIR]`;

function num(name: string, v: string | undefined, min: number, max: number, int = true): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) {
    throw new UsageError(`bench soak: --${name} expects ${int ? 'an integer' : 'a number'} in ${min}..${max}, got '${v}'`);
  }
  return n;
}

export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: {
      minutes: { type: 'string', default: '30' }, rate: { type: 'string', default: '1' }, workers: { type: 'string', default: '3' },
      model: { type: 'string', default: DEFAULT_MODEL }, objective: { type: 'string', default: DEFAULTS.planner.objective }, 'sample-s': { type: 'string', default: '10' }, 'drain-s': { type: 'string', default: '45' },
      'heap-dir': { type: 'string' },
    } }));
  } catch (e) {
    throw new UsageError(`bench soak: ${(e as Error).message.split('\n')[0]}\nusage: ${SOAK_USAGE}`);
  }
  return {
    minutes: num('minutes', values.minutes, 0.1, 7 * 24 * 60, false), rate: num('rate', values.rate, 0.01, 100, false),
    workers: num('workers', values.workers, 1, 32), model: values.model!, objective: values.objective!, sampleS: num('sample-s', values['sample-s'], 1, 3600, false),
    drainS: num('drain-s', values['drain-s'], 0, 3600, false), ...(values['heap-dir'] ? { heapDir: values['heap-dir'] } : {}),
  };
}

/** Growth is measured after min(5 min, a third of the run): a short run still has a window to compare. */
export function warmupMs(runMs: number): number {
  return Math.min(WARMUP_MAX_MS, runMs / 3);
}

/** How the warm-up was chosen, for the output (short runs say that they scaled it). */
export function warmupNote(runMs: number): string {
  const w = warmupMs(runMs);
  const min = Math.round((w / 60_000) * 100) / 100;
  return w < WARMUP_MAX_MS ? `warm-up ${min} min (a third of a ${Math.round((runMs / 60_000) * 100) / 100} min run, shorter than 5 min)` : 'warm-up 5 min';
}
