/**
 * RSS per process for the soak bench: read from /proc/<pid>/status (VmRSS) for the worker children,
 * from the kernel for this process too, so every number means the same thing. The summary maths
 * (growth after warm-up, peak, slope) is pure.
 */
import { readFile } from 'node:fs/promises';
import { median, round } from '../stats.ts';

/** VmRSS of `pid` in bytes; undefined when the process is gone (or no /proc: then this process's own RSS). */
export async function readRss(pid: number): Promise<number | undefined> {
  try {
    return parseVmRss(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return pid === process.pid ? process.memoryUsage().rss : undefined;
  }
}

/** `VmRSS:    123456 kB` → bytes. */
export function parseVmRss(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

export interface RssPoint { readonly t: number; readonly bytes: number }

export interface RssSummary {
  /** RSS at the end of warm-up (first sample at or after it), MB. */
  readonly warmMb: number;
  readonly endMb: number;
  readonly peakMb: number;
  /** (end − warm) / warm, percent. */
  readonly growthPct: number;
  /** Least-squares slope over the samples after warm-up, MB per minute: a leak is a steady positive slope. */
  readonly slopeMbPerMin: number;
  /**
   * Growth of the median RSS of the last minute over that of the minute after warm-up, percent: one
   * sample can catch a process just before or after a GC (±10 % on a busy worker), a median cannot.
   */
  readonly medianGrowthPct: number;
  readonly samples: number;
}

/** Median bytes of the points with t in [from, to]. */
function windowMedian(points: readonly RssPoint[], from: number, to: number): number {
  return median(points.filter((p) => p.t >= from && p.t <= to).map((p) => p.bytes));
}

const MB = 1e6;
/** The windows `medianGrowthPct` compares. */
const WINDOW_MS = 60_000;

/** Least-squares slope of bytes over time (ms), in bytes per ms; 0 for fewer than two points. */
export function slope(points: readonly RssPoint[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mb = points.reduce((a, p) => a + p.bytes, 0) / n;
  let num = 0, den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.bytes - mb);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** `points` in time order (t: ms since the run started); undefined without samples. */
export function summarize(points: readonly RssPoint[], warmMs: number): RssSummary | undefined {
  if (points.length === 0) return undefined;
  const warm = points.find((p) => p.t >= warmMs) ?? points[points.length - 1]!;
  const end = points[points.length - 1]!;
  const after = points.filter((p) => p.t >= warm.t);
  const first = windowMedian(after, warm.t, warm.t + WINDOW_MS), last = windowMedian(after, Math.max(warm.t, end.t - WINDOW_MS), end.t);
  return {
    warmMb: round(warm.bytes / MB), endMb: round(end.bytes / MB), peakMb: round(points.reduce((a, p) => Math.max(a, p.bytes), 0) / MB),
    growthPct: round(((end.bytes - warm.bytes) / warm.bytes) * 100, 2), slopeMbPerMin: round((slope(after) * 60_000) / MB, 3),
    medianGrowthPct: round(((last - first) / first) * 100, 2), samples: points.length,
  };
}

/** `+1.2 %` / `-0.4 %`, as the claim line prints growth. */
export function signedPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;
}
