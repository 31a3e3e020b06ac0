/**
 * What pays [ours, beyond the paper]: which devices take part is a decision. Besides the search on
 * all N devices, the run-time objectives weigh the m fastest devices for every m < N (the data
 * source always among them; the rest stay idle) and each device alone, so a plan never predicts
 * slower than the best single device that fits in memory; the plan and the log say why in one line.
 */
import type { PlanDevice } from '../../shared/plan/types.ts';
import { crossCheckedTails } from './tails.ts';
import { best, evaluate, type Candidate, type Ctx } from './evaluate.ts';
import { compareCosts, metricValue, shortfalls, type Metric } from './objective.ts';
import type { TailChoice } from './candidates.ts';

/** The data source first, then the others fastest first (stable), so a prefix is the best subset. */
export function byPreference(devices: readonly PlanDevice[], source: string | undefined): PlanDevice[] {
  const src = devices.find((d) => d.id === source) ?? devices[0]!;
  return [src, ...devices.filter((d) => d !== src).sort((a, b) => b.speed - a.speed)];
}

/** Subset sizes to weigh below n: every size up to 8 devices, then roughly ×1.5 steps (bounded solve time). */
export function subsetSizes(n: number): number[] {
  const all = [2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 48];
  return all.filter((m) => m < n).reverse();
}

/** The whole model as one local stage on device d (d owns the frame). */
async function alone(ctx: Ctx, d: PlanDevice): Promise<Candidate[]> {
  const tail: TailChoice['tail'] = {};
  ctx.model.nodes.forEach((n) => { tail[n.id] = 'local'; });
  const none = ctx.model.nodes.map(() => '-' as const);
  const choice: TailChoice = { label: 'source', tail, solution: { types: none, costElements: 0, bytes: 0, optima: [none], optimaCount: 1 }, restricted: false };
  const one: Ctx = { ...ctx, devices: [d], opts: { ...ctx.opts, dataSource: d.id }, tails: async () => [choice], prefix: `one device (${d.id}): ` };
  return evaluate(one, [0], { search: false, seen: new Set() });
}

/**
 * Candidates on fewer devices: the best boundaries of the full search again on the m fastest
 * devices (subsetSizes: m < N, default grid, every tail), and each device alone.
 */
export async function fewerDevices(ctx: Ctx, found: readonly Candidate[]): Promise<Candidate[]> {
  const n = ctx.devices.length;
  const ranked = found.filter((c) => shortfalls(c.cost).length === 0).sort((a, b) => compareCosts(a.cost, b.cost, ctx.metrics));
  const ks = [...new Set(ranked.map((c) => c.ftpLayers))].slice(0, 2);
  const order = byPreference(ctx.devices, ctx.opts.dataSource);
  const out: Candidate[] = [];
  for (const m of ks.length > 0 ? subsetSizes(n) : []) {
    const sub = order.slice(0, m);
    const tails = crossCheckedTails(ctx.model, m, ctx.opts.solver ?? 'dp');
    const c: Ctx = { ...ctx, devices: sub, opts: { ...ctx.opts, dataSource: sub[0]!.id }, tails: tails.get, prefix: `${m} of ${n} devices: ` };
    out.push(...await evaluate(c, ks, { search: false, seen: new Set() }));
  }
  const pinned = ctx.opts.dataSource;
  const seen = new Set<string>();
  for (const d of order) {
    const key = `${d.speed}/${d.memoryBytes}/${d.linkBps}/${JSON.stringify(d.profile ?? null)}`;
    if ((pinned !== undefined && d.id !== pinned) || seen.has(key)) continue;
    seen.add(key);
    out.push(...await alone(ctx, d));
  }
  return out;
}

/** Devices with at least one task: a plan may list devices that stay idle. */
export function devicesOf(c: Candidate): number {
  return new Set(c.plan.stages.flatMap((s) => s.tasks.map((t) => t.worker))).size;
}

/**
 * Among candidates as good as `chosen` on the first objective term, the one with the fewest devices
 * taking part, then listed, then tasks: a tie costs nothing to break toward fewer moving parts.
 */
export function fewestDevices(chosen: Candidate, cands: readonly Candidate[], metrics: readonly Metric[]): Candidate {
  const m = metrics[0]!, v = metricValue(chosen.cost, m);
  const tasks = (c: Candidate): number => c.plan.stages.reduce((a, s) => a + s.tasks.length, 0);
  const size = (c: Candidate): number => devicesOf(c) * 1e9 + c.plan.devices.length * 1e6 + tasks(c);
  const ties = cands.filter((c) => shortfalls(c.cost).length === 0 && metricValue(c.cost, m) <= v * (1 + 1e-9) && size(c) < size(chosen));
  return ties.reduce((b, c) => (size(c) < size(b) || (size(c) === size(b) && compareCosts(c.cost, b.cost, metrics) < 0) ? c : b), chosen);
}

/** The sentence a plan carries: why this many devices, against the best alternative. */
export function reasonFor(chosen: Candidate, cands: readonly Candidate[], metrics: readonly Metric[]): string {
  const m = metrics[0]!;
  const fmt = (c: Candidate): string => (m === 'fps' ? `${(1000 / c.cost.bottleneckMs).toFixed(2)} frames/s` : `${Math.round(c.cost.latencyMs)} ms`);
  const fits = cands.filter((c) => shortfalls(c.cost).length === 0);
  const bestOf = (xs: Candidate[]): Candidate | undefined => best(xs, metrics);
  const split = bestOf(fits.filter((c) => devicesOf(c) > 1));
  const single = bestOf(fits.filter((c) => devicesOf(c) === 1));
  const better = m === 'fps' ? 'has more throughput' : 'is faster';
  if (devicesOf(chosen) === 1) return split ? `one device ${better}: ${fmt(chosen)} vs ${fmt(split)} split` : `one device: no split plan fits`;
  const who = `${devicesOf(chosen)} devices`;
  if (!single) return `${who}: no single device fits the model in memory`;
  const verb = m === 'fps' ? 'have more throughput' : 'are faster';
  return `${who} ${verb}: ${fmt(chosen)} vs ${fmt(single)} on one device (${single.plan.devices[0]!.id})`;
}
