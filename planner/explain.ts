/**
 * `plan --explain`: why each boundary, grid and tail type was chosen, in the terms of the model that
 * chose it — ILP-2's memory per breakpoint (PAPER §5), ILP-1's cost of forcing another type on a layer
 * (PAPER §4), and the ranked candidates of the search.
 */
import type { Model } from '../shared/model/ir.ts';
import { tailLayers, type LayerSize } from './layers.ts';
import { layerTypes, legalStep, pairScaled, unaryScaled, type LayerType } from './optimize/comm-cost.ts';
import { validateFtp } from './plan/spec.ts';
import type { Choice } from './choose/choose.ts';
import { metricValue, runtimeObjective, shortfalls, type Metric } from './choose/objective.ts';

const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

/**
 * ILP-1's optimum with layer l forced to type t, for every (l, t): forward and backward Viterbi
 * passes over the chain (PAPER §4's DP), combined at l. In elements; Infinity where t is illegal.
 */
export function forcedCosts(layers: readonly LayerSize[], n: number): Map<LayerType, number>[] {
  const L = layers.length;
  const types = layers.map((l) => layerTypes(l));
  const unary = (l: number, t: LayerType): number => unaryScaled(layers[l]!, t, n);
  const pair = (l: number, a: LayerType, b: LayerType): number => (legalStep(a, b) ? pairScaled(layers[l - 1]!, layers[l]!, a, b, n) : Infinity);
  const f: Map<LayerType, number>[] = [], g: Map<LayerType, number>[] = new Array(L);
  for (let l = 0; l < L; l++) {
    f.push(new Map(types[l]!.map((t) => [t, unary(l, t) + (l === 0
      ? (legalStep(null, t) ? 0 : Infinity)
      : Math.min(...types[l - 1]!.map((p) => f[l - 1]!.get(p)! + pair(l, p, t))))])));
  }
  for (let l = L - 1; l >= 0; l--) {
    g[l] = new Map(types[l]!.map((t) => [t, unary(l, t) + (l === L - 1
      ? (t === 'FUSE1' ? Infinity : 0)
      : Math.min(...types[l + 1]!.map((q) => pair(l + 1, t, q) + g[l + 1]!.get(q)!)))]));
  }
  return f.map((m, l) => new Map([...m].map(([t, v]) => [t, (v + g[l]!.get(t)! - unary(l, t)) / n])));
}

function boundaryLines(model: Model, choice: Choice): string[] {
  const k = choice.chosen.ftpLayers;
  const bp = choice.breakpoint;
  if (!bp) {
    if (!runtimeObjective(choice.metrics)) return [`FTP boundary: fixed at ${k} layers (0..${k - 1}) by --ftp-layers.`];
    return [`FTP boundary: ${k} layers, the best predicted ${choice.metrics[0]} over every legal boundary (PAPER §6, our run-time model).`];
  }
  const lines = [`FTP boundary: ILP-2 (PAPER §5) puts the breakpoint at layer ${bp.breakpoint}: ${MB(bp.bytes)} per device (model value; optima: ${bp.optimal.join(', ')}).`];
  const near = bp.all.filter((c) => c.memoryElements > bp.memoryElements * (1 + 1e-9)).sort((a, b) => a.memoryElements - b.memoryElements).slice(0, 2);
  if (near.length) lines.push(`  next best: ${near.map((c) => `b=${c.b} ${MB(4 * c.memoryElements)}`).join(', ')}.`);
  if (bp.ftpLayers !== bp.breakpoint) {
    let why = 'no later legal boundary';
    try {
      validateFtp(model, { layers: bp.breakpoint, grid: { rows: 1, cols: 1 } });
    } catch (e) {
      why = (e as Error).message;
    }
    lines.push(`  moved to ${bp.ftpLayers}: ${bp.breakpoint} is not a legal FTP boundary (${why}).`);
  }
  return lines;
}

function tailLines(model: Model, choice: Choice): string[] {
  const c = choice.chosen, n = c.spec.devices.length;
  if (c.tail.label === 'mixed' || c.tail.label === 'source') {
    const split = c.plan.layers.filter((l) => l.index >= c.ftpLayers && l.partition === 'lop').length;
    return [`Tail from layer ${c.ftpLayers} (${c.tail.label}): ${split} weight layer(s) split by output channels (LOP), the rest whole on the data source, where the run-time model says splitting does not pay.`];
  }
  const layers = tailLayers(model, c.ftpLayers, { fc: true });
  const forced = forcedCosts(layers, n);
  const best = Math.min(...[...forced[0]?.values() ?? [0]]);
  const lines = [`Tail from layer ${c.ftpLayers} (${c.tail.label}): ILP-1 (PAPER §4) optimum ${MB(4 * c.tail.solution.costElements)} (star count), ${c.tail.restricted
    ? 'restricted to the types the channel counts and wiring allow' : `${c.tail.solution.optimaCount} optimal assignment(s)`}.`];
  layers.forEach((layer, i) => {
    if (!layer.conv) return;
    const kind = c.plan.layers[layer.index]!.partition;
    const alts = [...forced[i]!].filter(([t]) => t.toLowerCase() !== kind).filter(([, v]) => Number.isFinite(v))
      .map(([t, v]) => `${t} ${v - best >= 0 ? '+' : ''}${MB(4 * (v - best))}`);
    lines.push(`  layer ${layer.index} ${layer.kind} (M=${layer.M}, K=${layer.K}): ${kind.toUpperCase()}; forcing ${alts.join(', ') || 'nothing else is legal'}`);
  });
  return lines;
}

function candidateLines(choice: Choice): string[] {
  const fmt = (m: Metric, v: number): string => (m === 'latency' || m === 'fps' ? `${v.toFixed(0)} ms` : MB(v));
  const ranked = [...choice.candidates].sort((a, b) => Number(shortfalls(a.cost).length > 0) - Number(shortfalls(b.cost).length > 0)
    || choice.metrics.reduce((r, m) => r || metricValue(a.cost, m) - metricValue(b.cost, m), 0));
  const lines = [`Candidates (${choice.candidates.length} evaluated${choice.widened ? ', widened after the memory caps ruled out the first pool' : ''}), ranked by ${choice.metrics.join(' > ')}:`];
  for (const c of ranked.slice(0, 6)) {
    const miss = shortfalls(c.cost)[0];
    lines.push(`  ${c === choice.chosen || c.label === choice.chosen.label ? '*' : ' '} ${c.label}: ${choice.metrics.map((m) => `${m} ${fmt(m, metricValue(c.cost, m))}`).join(', ')}${miss ? ` — does not fit: ${miss.device} short by ${MB(miss.missingBytes)}` : ''}`);
  }
  return lines;
}

/** The explanation, one line per fact. */
export function explainChoice(model: Model, choice: Choice): string[] {
  const g = choice.chosen.grid;
  const gridWhy = g === undefined ? 'no FTP stage'
    : g.includes('speed') ? 'one tile row per device, heights in proportion to speed (PAPER §12.1)'
      : runtimeObjective(choice.metrics) ? 'the lowest predicted latency of the square grids 1..6' : 'PAPER §2.1 default 5x5, clipped to the map';
  return [
    `Objective: ${choice.metrics.join(', then ')} (lexicographic); memory capacities are hard constraints.`,
    ...(choice.reason ? [`Devices: ${choice.reason}.`] : []),
    ...boundaryLines(model, choice),
    `Grid: ${g ?? '-'} (${gridWhy}).`,
    ...tailLines(model, choice),
    ...candidateLines(choice),
  ];
}
