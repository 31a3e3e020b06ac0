/**
 * What a chosen plan is measured against: the same plan unfused (every weight layer LOP, PAPER §8's
 * "all-LOP", the code's SKIP_FUSING) and the whole model on one device (PAPER §9: speed-up and memory
 * saving are quoted against one device).
 */
import type { Model } from '../../shared/model/ir.ts';
import type { PartitionKind, PlanDoc } from '../../shared/plan/types.ts';
import { buildPlan } from '../plan/build.ts';
import { isWeightLayer, tailPreset, type PartitionSpec } from '../plan/spec.ts';
import { DEFAULT_LATENCY, planCost, type LatencyParams, type PlanCost } from '../cost.ts';
import type { Candidate, Choice } from './choose.ts';

export interface Evaluated {
  readonly spec: PartitionSpec;
  readonly plan: PlanDoc;
  readonly cost: PlanCost;
}

export interface Baselines {
  readonly unfused: Evaluated;
  readonly single: Evaluated;
  /** 1 − star bytes / unfused star bytes: PAPER §9's "communication cut by layer fusion" (model value). */
  readonly commReductionVsUnfused: number;
  /** The same over the broker topology's bytes (FTP stage included). */
  readonly brokerReductionVsUnfused: number;
}

function evaluated(model: Model, spec: PartitionSpec, latency: LatencyParams): Evaluated {
  const plan = buildPlan(model, spec);
  return { spec, plan, cost: planCost(model, plan, latency) };
}

/** The chosen plan's boundary and grid with an all-LOP tail (reused from the search when it was evaluated). */
function unfusedOf(model: Model, choice: Choice, latency: LatencyParams): Evaluated {
  const c = choice.chosen;
  if (c.tail.label === 'unfused') return c;
  const twin = choice.candidates.find((x: Candidate) => x.ftpLayers === c.ftpLayers && x.grid === c.grid && x.tail.label === 'unfused');
  if (twin) return twin;
  // Every weight layer LOP (narrowed where it has fewer channels than devices), the rest local: always legal.
  const tail: Record<number, PartitionKind> = {};
  for (let l = c.ftpLayers; l < model.nodes.length; l++) tail[l] = isWeightLayer(model.nodes[l]!) ? 'lop' : 'local';
  return evaluated(model, { ...c.spec, tail }, latency);
}

export function baselines(model: Model, choice: Choice, latency: LatencyParams = DEFAULT_LATENCY): Baselines {
  const c = choice.chosen;
  const unfused = unfusedOf(model, choice, latency);
  const source = c.plan.devices.find((d) => d.id === c.plan.dataSource)!;
  const single = evaluated(model, { devices: [source], tail: tailPreset(model, 0, 'lop', 1), dtype: c.spec.dtype, objective: 'single-device' }, latency);
  const ratio = (a: number | undefined, b: number | undefined): number => (a !== undefined && b !== undefined && b > 0 ? 1 - a / b : 0);
  return {
    unfused, single,
    commReductionVsUnfused: ratio(c.cost.star?.bytes, unfused.cost.star?.bytes),
    brokerReductionVsUnfused: ratio(c.cost.bytesPerFrame, unfused.cost.bytesPerFrame),
  };
}
