/** `bench cluster`'s table and last line (pure): plans side by side, measured against predicted. */
import type { PlanDoc, PlanPrediction } from '../../shared/plan/types.ts';

/** One plan's measured run on the emulated cluster, with the planner's prediction beside it. */
export interface PlanResult {
  readonly planId: string;
  readonly description: string;
  readonly devices: number;
  /** Publish → predictions at the camera, ms (one frame at a time). */
  readonly latenciesMs: readonly number[];
  readonly latencyMs: number;
  /** The data source's own figure (ingest start → head), median. */
  readonly reportedMs: number;
  readonly framesPerS: number | null;
  readonly bytesPerFrame: number;
  readonly bytesPerLink: Record<string, { up: number; down: number }>;
  /** Median per stage, ms after the previous stage (the data source's own clock). */
  readonly stagesMs: Record<string, number>;
  readonly predicted: Pick<PlanPrediction, 'latencyMs' | 'bytesPerFrame' | 'bytesPerLink'> | null;
}

/** `FTP 0..7 5x5, tail 4×FUSE 3×LOP 1×LIP` from the plan document. */
export function describePlan(plan: Pick<PlanDoc, 'layers' | 'stages'>): string {
  const ftp = plan.layers.filter((l) => l.partition === 'ftp').length;
  const grid = plan.stages.find((s) => s.kind === 'ftp')?.grid;
  const counts = new Map<string, number>();
  for (const l of plan.layers) {
    if (l.partition === 'ftp' || l.partition === 'fuse2' || !(l.kind === 'conv2d' || l.kind === 'dense')) continue;
    const k = l.partition === 'fuse1' ? 'FUSE' : l.partition.toUpperCase();
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const tail = [...counts].map(([k, n]) => `${n}×${k}`).join(' ');
  return `${ftp > 0 ? `FTP 0..${ftp - 1}${grid ? ` ${grid.rows}x${grid.cols}` : ''}` : 'no FTP'}${tail ? `, tail ${tail}` : ''}`;
}

export interface Row extends PlanResult {
  readonly plan: string;
  readonly label: string;
}

/**
 * Stage times grouped: ingest, FTP, the weight-partitioned tail (L… and their reduces R…) and the
 * head. Predictions report these kinds (`ingest`, `ftp`, `tail`, `head`), or every plan stage with
 * the worker's `--debug`.
 */
export function stageGroups(stages: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [s, ms] of Object.entries(stages)) {
    const g = s === 'in' || s === 'ingest' ? 'in' : s.startsWith('ftp') ? 'ftp' : /^[LR]\d/.test(s) ? 'tail' : s;
    out[g] = (out[g] ?? 0) + ms;
  }
  return out;
}

/** Bytes the plan predicts through all links, both ways: what the veth counters see (without TCP/IP headers). */
export function predictedLinkBytes(r: Pick<PlanResult, 'predicted'>): number | undefined {
  return r.predicted ? Object.values(r.predicted.bytesPerLink).reduce((s, l) => s + l.up + l.down, 0) : undefined;
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (b: number): string => (b / 1e6).toFixed(1);
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

export function table(rows: readonly Row[]): string[] {
  const one = rows.find((r) => r.plan === 'one');
  const head = '| plan | N | chosen | latency (median) | vs one device | frames/s pipelined | MB/frame on links | stages in / ftp / tail / head | predicted latency | predicted MB/frame on links |';
  const lines = [head, `|${'---|'.repeat(10)}`];
  for (const r of rows) {
    const g = stageGroups(r.stagesMs);
    const stages = ['in', 'ftp', 'tail', 'head'].map((k) => (g[k] === undefined ? '–' : (g[k]! / 1000).toFixed(2))).join(' / ');
    lines.push(`| ${r.label} | ${r.devices} | ${r.description} | ${sec(r.latencyMs)} | ${one ? ratio(one.latencyMs, r.latencyMs) : '–'} | ` +
      `${r.framesPerS ?? '–'} | ${mb(r.bytesPerFrame)} | ${stages} s | ${r.predicted ? sec(r.predicted.latencyMs) : '–'} | ${r.predicted ? mb(predictedLinkBytes(r)!) : '–'} |`);
  }
  return lines;
}

/** The claim of the run: speed-ups against one device, and the paper's fused plan against unfused. */
export function lastLine(rows: readonly Row[]): string {
  const by = (p: string): Row | undefined => rows.find((r) => r.plan === p);
  const one = by('one'), comm = by('comm'), unfused = by('unfused');
  const parts: string[] = [];
  if (one) {
    for (const r of rows.filter((x) => x !== one)) {
      const fps = r.framesPerS && one.framesPerS ? `, ${ratio(r.framesPerS, one.framesPerS)} frames/s` : '';
      parts.push(`${r.plan} ${ratio(one.latencyMs, r.latencyMs)} latency${fps}`);
    }
  }
  const speedups = parts.length ? `speed-up vs one device: ${parts.join('; ')}` : one ? 'only the one-device plan ran' : 'no one-device run to compare with';
  const fused = comm && unfused ? `fused vs unfused: ${ratio(unfused.latencyMs, comm.latencyMs)} latency, ${mb(comm.bytesPerFrame)} vs ${mb(unfused.bytesPerFrame)} MB/frame` : 'fused vs unfused: needs plans comm and unfused';
  return `# ${speedups}. ${fused}`;
}
