/** Partition specs from simple presets (verify's --tail/--ftp-layers/--grid). */
import type { Model } from '../shared/model/ir.ts';
import type { PlanDevice } from '../shared/plan/types.ts';
import { largestLegalFtpPrefix, tailPreset, type PartitionSpec, type TailPreset } from './plan/spec.ts';

/** The paper's deployed breakpoints (PAPER §7.1), by model name. */
const PAPER_FTP_LAYERS: Record<string, number> = { yolov2: 12, 'vgg-16': 7, alexnet: 2, extraction: 4 };

/**
 * The paper's breakpoint for its models; for imported DAG models (TF.js graphs) the largest legal
 * FTP prefix, since their first layers hold the large maps; 0 (no FTP) for other Darknet models.
 */
export function defaultFtpLayers(model: Model): number {
  return PAPER_FTP_LAYERS[model.name] ?? (model.format === 'tfjs-graph' ? largestLegalFtpPrefix(model) : 0);
}

export function specFromPreset(model: Model, o: { devices: PlanDevice[]; ftpLayers: number; grid?: { rows: number; cols: number }; tail: TailPreset; dtype?: 'float32' | 'float16' | 'int8' }): PartitionSpec {
  const k = o.ftpLayers;
  const sink = k > 0 ? model.nodes[k - 1]!.out : undefined;
  const grid = o.grid ?? (sink ? { rows: Math.min(3, sink.h), cols: Math.min(3, sink.w) } : undefined);
  return {
    devices: o.devices,
    ftp: k > 0 ? { layers: k, grid: grid! } : undefined,
    tail: tailPreset(model, k, o.tail, o.devices.length),
    dtype: o.dtype,
    objective: `verify:${o.tail}`,
  };
}

