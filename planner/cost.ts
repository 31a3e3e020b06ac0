/**
 * The planner's cost model (DESIGN.md planner/cost.ts). Per layer: FLOPs, weight bytes, activation
 * bytes. Per plan: bytes per frame counted two ways — the paper's star around the data source
 * (ILP-1's objective, PAPER §4, so results stay comparable with PAPER §8) and the broker topology we
 * actually run (cost-traffic.ts: publisher uplink, broker egress, subscriber downlink) — memory per
 * device (shared/plan/footprint.ts) and predicted latency (cost-latency.ts).
 */
import type { Model } from '../shared/model/ir.ts';
import { elements, nodeInputs } from '../shared/model/ir.ts';
import { nodeFlops, nodeParams } from '../shared/model/stats.ts';
import type { PartitionKind, PlanDoc, PlanPrediction } from '../shared/plan/types.ts';
import { DTYPE_BYTES } from '../shared/wire/elements.ts';
import { selVolume } from '../shared/plan/sel.ts';
import { convPart, tailLayers } from './layers.ts';
import { commCost, type LayerType } from './optimize/comm-cost.ts';
import { planTraffic, type LinkBytes } from './cost-traffic.ts';
import { peakActivationPerDevice, weightBytesPerDevice } from '../shared/plan/footprint.ts';
import { DEFAULT_LATENCY, planTimeline, type LatencyParams, type Timeline } from './cost-latency.ts';

export { DEFAULT_LATENCY, type LatencyParams } from './cost-latency.ts';

export interface LayerCost {
  readonly index: number;
  readonly kind: string;
  readonly flops: number;
  /** Learned parameters (kernel, bias, BN) in fp32 bytes. */
  readonly weightBytes: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/** Per-layer FLOPs, weight and activation bytes (fp32). */
export function layerCosts(model: Model): LayerCost[] {
  return model.nodes.map((n) => ({
    index: n.id, kind: n.kind, flops: nodeFlops(model, n), weightBytes: 4 * nodeParams(model, n),
    inputBytes: 4 * nodeInputs(model, n).reduce((a, s) => a + elements(s), 0), outputBytes: 4 * elements(n.out),
  }));
}

export interface StarCost {
  /** ILP-1's objective for the plan's tail types × element bytes (PAPER §4, star around the data source). */
  readonly bytes: number;
  /** The same over the conv part only (up to the first dense layer), as PAPER §8's table counts it. */
  readonly convBytes: number;
}

export interface DeviceCost {
  readonly weightBytes: number;
  readonly peakActivationBytes: number;
  /** weights + peak activations, compared with the device's memoryBytes. */
  readonly totalBytes: number;
  readonly capacityBytes: number;
}

export interface PlanCost {
  readonly bytesPerFrame: number;
  readonly uplinkBytes: number;
  readonly messages: number;
  readonly bytesPerLink: Record<string, LinkBytes>;
  /** undefined when the plan uses a type ILP-1 does not price (SEQ). */
  readonly star: StarCost | undefined;
  readonly memoryPerDevice: Record<string, DeviceCost>;
  readonly maxMemoryBytes: number;
  readonly latencyMs: number;
  /** ms per frame of the busiest device or link when frames pipeline (`--objective fps`). */
  readonly bottleneckMs: number;
  readonly timeline: Timeline;
}

const STAR_TYPE: Partial<Record<PartitionKind, LayerType>> = { lop: 'LOP', lip: 'LIP', fuse1: 'FUSE1', fuse2: 'FUSE2', local: '-' };

/**
 * Bytes per element of the star's traffic: the pieces' own dtypes (a plan mixes them: int8 maps,
 * float16 partial sums, shared/plan/wire.ts edgeDtype), averaged over the elements each carries.
 * The ingest stage's pieces (FTP inputs) are not part of the star.
 */
function tailBytesPerElement(plan: PlanDoc): number {
  const ingest = new Set(plan.stages.filter((s) => s.kind === 'ingest').map((s) => s.id));
  let elements = 0, bytes = 0;
  for (const p of plan.pieces) {
    if (ingest.has(p.stage)) continue;
    const n = selVolume(p.sel);
    elements += n;
    bytes += n * DTYPE_BYTES[p.dtype];
  }
  return elements > 0 ? bytes / elements : DTYPE_BYTES[plan.pieces[0]?.dtype ?? 'float32'];
}

/** The paper-comparable star count of a plan's weight-partitioned tail (FC layers included as the 1×1 case). */
function starCost(model: Model, plan: PlanDoc): StarCost | undefined {
  const k = plan.layers.findIndex((l) => l.partition !== 'ftp');
  if (k < 0) return { bytes: 0, convBytes: 0 };
  // A weight layer run whole on the data source costs nothing in the star, like a pool (PAPER §1).
  const layers = tailLayers(model, k, { fc: true }).map((l, i) => (plan.layers[k + i]!.partition === 'local' ? { ...l, conv: false } : l));
  const types = plan.layers.slice(k).map((l, i): LayerType | undefined => (layers[i]!.conv ? STAR_TYPE[l.partition] : '-'));
  if (types.some((t) => t === undefined)) return undefined;
  const n = plan.devices.length;
  const dtype = tailBytesPerElement(plan);
  const cut = convPart(layers).length;
  const conv = cut === 0 ? 0 : commCost(layers.slice(0, cut), types.slice(0, cut) as LayerType[], n);
  return { bytes: dtype * commCost(layers, types as LayerType[], n), convBytes: dtype * conv };
}

/** Every figure of the cost model for one plan. */
export function planCost(model: Model, plan: PlanDoc, params: LatencyParams = DEFAULT_LATENCY): PlanCost {
  const traffic = planTraffic(plan);
  const weights = weightBytesPerDevice(model, plan);
  const peaks = peakActivationPerDevice(model, plan, traffic.consumers);
  const memoryPerDevice: Record<string, DeviceCost> = {};
  for (const d of plan.devices) {
    const w = weights.get(d.id)!, a = peaks.get(d.id)!;
    memoryPerDevice[d.id] = { weightBytes: w, peakActivationBytes: a, totalBytes: w + a, capacityBytes: d.memoryBytes };
  }
  const timeline = planTimeline(model, plan, traffic, params);
  return {
    bytesPerFrame: traffic.bytesPerFrame, uplinkBytes: traffic.uplinkBytes, messages: traffic.messages, bytesPerLink: traffic.perLink,
    star: starCost(model, plan), memoryPerDevice,
    maxMemoryBytes: Math.max(...Object.values(memoryPerDevice).map((m) => m.totalBytes)),
    latencyMs: timeline.latencyMs, bottleneckMs: timeline.bottleneckMs, timeline,
  };
}

/** The plan document's `predicted` block (DESIGN.md "The plan document"). */
export function toPrediction(cost: PlanCost): PlanPrediction {
  const memoryPerDevice: Record<string, { weightBytes: number; peakActivationBytes: number }> = {};
  for (const [id, m] of Object.entries(cost.memoryPerDevice)) memoryPerDevice[id] = { weightBytes: m.weightBytes, peakActivationBytes: m.peakActivationBytes };
  return {
    bytesPerFrame: cost.bytesPerFrame, bytesPerLink: cost.bytesPerLink, memoryPerDevice, latencyMs: cost.latencyMs,
    fps: cost.bottleneckMs > 0 ? Math.round((1000 / cost.bottleneckMs) * 1000) / 1000 : undefined, stages: cost.timeline.stages,
  };
}
