/**
 * Objectives of the top-level planner, compared lexicographically: e.g. `latency,comm` minimises the
 * predicted latency and breaks ties on bytes. Per-device memory capacities are never an objective
 * term: they are hard constraints (PAPER §12.2), checked before ranking.
 */
import { UsageError } from '../../shared/errors.ts';
import type { PlanCost } from '../cost.ts';

export type Metric = 'comm' | 'memory' | 'latency' | 'fps';

const METRICS: readonly Metric[] = ['comm', 'memory', 'latency', 'fps'];

/** Tie-breakers appended after the user's terms, so the order is total and reproducible. */
const TIE_BREAK: Record<Metric, readonly Metric[]> = {
  comm: ['comm', 'latency', 'memory'],
  memory: ['memory', 'comm', 'latency'],
  latency: ['latency', 'comm', 'memory'],
  fps: ['fps', 'latency', 'comm', 'memory'],
};

/** `comm`, `memory`, `latency`, `fps` or a comma-separated list of them (most important first). */
export function parseObjective(text: string): Metric[] {
  const terms = text.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (terms.length === 0) throw new UsageError(`planner: empty objective; expected one of ${METRICS.join(', ')}`);
  for (const t of terms) {
    if (!METRICS.includes(t as Metric)) throw new UsageError(`planner: unknown objective '${t}'; expected ${METRICS.join(', ')} or a comma-separated list`);
  }
  const seen = [...new Set(terms as Metric[])];
  for (const t of TIE_BREAK[seen[0]!]) if (!seen.includes(t)) seen.push(t);
  // fps ranks only when named: the paper's objectives keep their exact tie-break order.
  return seen;
}

/** The value a metric minimises: broker bytes, the largest device's memory, latency or the bottleneck's ms per frame. */
export function metricValue(cost: PlanCost, m: Metric): number {
  switch (m) {
    case 'comm': return cost.bytesPerFrame;
    case 'memory': return cost.maxMemoryBytes;
    case 'latency': return cost.latencyMs;
    case 'fps': return cost.bottleneckMs;
  }
}

/** Values within this relative distance count as equal, so the next term decides. */
const REL_TIE = 1e-9;

/** Objectives that rank by the run-time model (the search over boundaries, grids, tails and devices). */
export function runtimeObjective(metrics: readonly Metric[]): boolean {
  return metrics[0] === 'latency' || metrics[0] === 'fps';
}

/** Negative when `a` is better than `b` under the lexicographic objective. */
export function compareCosts(a: PlanCost, b: PlanCost, metrics: readonly Metric[]): number {
  for (const m of metrics) {
    const x = metricValue(a, m), y = metricValue(b, m);
    if (Math.abs(x - y) > REL_TIE * Math.max(Math.abs(x), Math.abs(y))) return x - y;
  }
  return 0;
}

export interface Shortfall {
  readonly device: string;
  readonly needBytes: number;
  readonly haveBytes: number;
  readonly missingBytes: number;
}

/** Devices whose weights + peak activations exceed their memory, the worst first (PAPER §12.2). */
export function shortfalls(cost: PlanCost): Shortfall[] {
  return Object.entries(cost.memoryPerDevice)
    .filter(([, m]) => m.totalBytes > m.capacityBytes)
    .map(([device, m]) => ({ device, needBytes: m.totalBytes, haveBytes: m.capacityBytes, missingBytes: m.totalBytes - m.capacityBytes }))
    .sort((a, b) => b.missingBytes - a.missingBytes);
}
