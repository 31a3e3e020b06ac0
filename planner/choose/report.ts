/**
 * What `plan` prints: the table (stages, devices, per-frame bytes and latency), the `--compare` view
 * (fused vs unfused vs one device) and the `--json` document (the plan of DESIGN.md plus the
 * solver's figures).
 */
import type { PlanDoc } from '../../shared/plan/types.ts';
import type { PlanCost } from '../cost.ts';
import type { Baselines } from './baselines.ts';
import type { Choice } from './choose.ts';

const MB = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;
const pad = (cells: readonly string[], widths: readonly number[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${pad(r, widths)}`);
}

function stageRows(plan: PlanDoc): string[][] {
  const rows = [['stage', 'layers', 'partition', 'pieces per device']];
  for (const s of plan.stages) {
    const per = new Map<string, number>();
    for (const p of plan.pieces) if (p.stage === s.id) per.set(p.worker, (per.get(p.worker) ?? 0) + 1);
    const layers = s.layers[0] < 0 ? 'input' : s.layers[0] === s.layers[1] ? `${s.layers[0]}` : `${s.layers[0]}-${s.layers[1]}`;
    const kind = s.grid ? `${s.kind} ${s.grid.rows}x${s.grid.cols}` : s.kind;
    rows.push([s.id, layers, kind, [...per].map(([w, n]) => `${w}:${n}`).join(' ') || '-']);
  }
  return rows;
}

function deviceRows(plan: PlanDoc, cost: PlanCost): string[][] {
  const rows = [['device', 'weights', 'peak activations', 'total', 'capacity', 'uplink/frame', 'downlink/frame', 'compute']];
  for (const d of plan.devices) {
    const m = cost.memoryPerDevice[d.id]!, l = cost.bytesPerLink[d.id]!, t = cost.timeline.perDevice[d.id]!;
    rows.push([d.id, MB(m.weightBytes), MB(m.peakActivationBytes), MB(m.totalBytes), MB(m.capacityBytes), MB(l.up), MB(l.down), `${t.computeMs.toFixed(0)} ms`]);
  }
  return rows;
}

/** The default output of `plan`. */
export function planReport(choice: Choice, base: Baselines): string[] {
  const { plan, cost } = choice.chosen;
  const d0 = plan.devices[0]!;
  const star = cost.star ? `; star count (PAPER §4) ${MB(cost.star.bytes)} vs unfused ${MB(base.unfused.cost.star?.bytes ?? 0)} (${(100 * base.commReductionVsUnfused).toFixed(1)}% less)` : '';
  return [
    `${plan.model.name}: ${plan.devices.length === choice.offered ? '' : `${plan.devices.length} of `}${choice.offered} devices, data source ${plan.dataSource}, objective ${choice.metrics.join(' > ')}; ` +
      `solver ${choice.solver}, solved in ${choice.solveMs.toFixed(0)} ms${choice.optimal ? ' (optimal)' : ''}`,
    `Plan: ${choice.chosen.label}`,
    ...(plan.reason ? [`Why: ${plan.reason}`] : []),
    ...table(stageRows(plan)),
    'Devices:',
    ...table(deviceRows(plan, cost)),
    `Per frame: ${MB(cost.bytesPerFrame)} through the broker (${MB(cost.uplinkBytes)} published, ${cost.messages} deliveries)${star}`,
    `Predicted latency: ${cost.latencyMs.toFixed(0)} ms, pipelined ${(1000 / cost.bottleneckMs).toFixed(2)} frames/s (e.g. ${d0.id}: ${d0.speed} GFLOP/s, ${(d0.linkBps / 1e6).toFixed(0)} Mbit/s)`,
  ];
}

/** `--compare`: the chosen (fused) plan, the same plan unfused, and one device. */
export function compareReport(choice: Choice, base: Baselines): string[] {
  const cols: [string, PlanDoc, PlanCost][] = [
    ['chosen', choice.chosen.plan, choice.chosen.cost], ['unfused (all-LOP)', base.unfused.plan, base.unfused.cost], ['one device', base.single.plan, base.single.cost],
  ];
  const mean = (c: PlanCost): number => Object.values(c.memoryPerDevice).reduce((a, m) => a + m.totalBytes, 0) / Object.keys(c.memoryPerDevice).length;
  const ftp = (p: PlanDoc): string => {
    const s = p.stages.find((x) => x.kind === 'ftp');
    return s ? `0..${s.layers[1]} ${s.grid!.rows}x${s.grid!.cols}` : 'none';
  };
  const rows: string[][] = [
    ['', ...cols.map((c) => c[0])],
    ['devices', ...cols.map(([, p]) => `${p.devices.length}`)],
    ['FTP stack', ...cols.map(([, p]) => ftp(p))],
    ['bytes/frame (broker)', ...cols.map(([, , c]) => MB(c.bytesPerFrame))],
    ['bytes/frame (star, PAPER §4)', ...cols.map(([, , c]) => (c.star ? MB(c.star.bytes) : '-'))],
    ['  conv part only (PAPER §8)', ...cols.map(([, , c]) => (c.star ? MB(c.star.convBytes) : '-'))],
    ['max memory per device', ...cols.map(([, , c]) => MB(c.maxMemoryBytes))],
    ['mean memory per device', ...cols.map(([, , c]) => MB(mean(c)))],
    ['predicted latency', ...cols.map(([, , c]) => `${c.latencyMs.toFixed(0)} ms`)],
  ];
  return [`${choice.chosen.plan.model.name}: chosen vs unfused vs one device`, ...table(rows),
    `communication cut by fusion: ${(100 * base.commReductionVsUnfused).toFixed(1)}% (star), ${(100 * base.brokerReductionVsUnfused).toFixed(1)}% (broker)`];
}

/** `--json`: the plan document plus the solver's figures (the issue's contract). */
export function planJson(choice: Choice, base: Baselines, explain?: readonly string[]): Record<string, unknown> {
  const c = choice.chosen.cost;
  return {
    ...choice.chosen.plan,
    solver: choice.solver,
    solveMs: Math.round(choice.solveMs * 10) / 10,
    optimal: choice.optimal,
    objectiveValue: choice.objectiveValue,
    baseline: { unfusedBytesPerFrame: base.unfused.cost.bytesPerFrame, singleDeviceMemoryBytes: base.single.cost.maxMemoryBytes },
    commReductionVsUnfused: base.commReductionVsUnfused,
    star: c.star ? { bytesPerFrame: c.star.bytes, convBytesPerFrame: c.star.convBytes, unfusedBytesPerFrame: base.unfused.cost.star?.bytes } : null,
    brokerReductionVsUnfused: base.brokerReductionVsUnfused,
    ...(explain ? { explain } : {}),
  };
}
