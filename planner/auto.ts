/**
 * The plan function the services use: model + the workers online → a plan document. The planner
 * service calls it on every change of the worker set.
 */
import type { Model } from '../shared/model/ir.ts';
import type { PlanDevice, PlanDoc } from '../shared/plan/types.ts';
import { buildPlan } from './plan/build.ts';
import { defaultFtpLayers, specFromPreset } from './presets.ts';

export interface AutoPlanOptions {
  /** How workers load the model (built-in name or path) and weights. */
  readonly source: string;
  readonly weights?: string;
  readonly objective?: string;
}

export function autoPlanFn(o: AutoPlanOptions): (model: Model, devices: PlanDevice[], objective?: string) => PlanDoc {
  return (model, devices, objective) => {
    const k = defaultFtpLayers(model);
    const sink = k > 0 ? model.nodes[k - 1]!.out : undefined;
    const g = sink ? Math.min(5, sink.h, sink.w) : 1;
    const spec = specFromPreset(model, { devices, ftpLayers: k, grid: { rows: g, cols: g }, tail: 'fused' });
    return buildPlan(model, { ...spec, objective: objective ?? o.objective ?? 'comm' }, { source: o.source, weights: o.weights });
  };
}
