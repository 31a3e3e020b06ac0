/**
 * verify's core: build the reference (whole model on one device), run a plan on virtual devices,
 * compare. Shared by the CLI and the tests.
 */
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Tensor3 } from '../shared/tensor.ts';
import { assert } from '../shared/errors.ts';
import type { PlanDoc } from '../shared/plan/types.ts';
import type { Dtype } from '../shared/wire/elements.ts';
import { runReference } from './engine/executor.ts';
import type { Engine } from './engine/engine.ts';
import { runPlanInProcess, type Tamper } from './virtual-cluster.ts';
import { decodeImage, toModelInput } from './engine/image.ts';
import { SAMPLE_IMAGE } from '../shared/assets.ts';
import { readFileSync } from 'node:fs';

export interface VerifyReport {
  model: string;
  devices: number;
  grid: string | null;
  ftpLayers: number;
  layers: { index: number; kind: string; partition: string }[];
  maxAbsDiff: number;
  maxRelDiff: number;
  ok: boolean;
  bytesExchanged: number;
  uplinkBytes: number;
  messages: number;
  /** Remote bytes received by the weight-partitioned tail (the part PAPER §8's figures count). */
  tailBytesExchanged: number;
  memoryPerDevice: { device: string; weightBytes: number; peakActivationBytes: number }[];
  /** The narrowest wire dtype of the plan, and the tolerance applied for it. */
  wire: Dtype;
  tolerance: number;
}

export function sampleInput(model: Model): Tensor3 {
  return toModelInput(decodeImage(readFileSync(SAMPLE_IMAGE)), model.input, model.preprocess).tensor;
}

/** Relative tolerance of DESIGN.md's correctness rule (float32). */
export const VERIFY_TOLERANCE = 1e-4;

/**
 * The exactness rule holds for a float32 wire only. float16 and int8 round every map they carry, so
 * their bound is a sanity check (measured on CenterNet: float16 ≤ 2e-2, int8 per channel ≤ 0.21);
 * test/partition/wire-detections.test.ts checks what matters, the detections.
 */
export const WIRE_TOLERANCE: Record<Dtype, number> = { float32: VERIFY_TOLERANCE, float16: 5e-2, int8: 0.5 };

/** The narrowest dtype any piece of the plan travels in. */
export function planWire(plan: PlanDoc): Dtype {
  const used = new Set(plan.pieces.map((p) => p.dtype));
  return used.has('int8') ? 'int8' : used.has('float16') ? 'float16' : 'float32';
}

export function compareOutputs(ref: Map<number, Tensor3>, got: Map<number, Tensor3>): { maxAbsDiff: number; maxRelDiff: number } {
  let maxAbs = 0, maxRef = 0;
  for (const [id, r] of ref) {
    const g = got.get(id);
    assert(g && g.data.length === r.data.length, () => `verify: output of layer ${id} is missing or has the wrong size`);
    for (let i = 0; i < r.data.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(r.data[i]!));
      const d = Math.abs(r.data[i]! - g.data[i]!);
      maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    }
  }
  return { maxAbsDiff: maxAbs, maxRelDiff: maxRef > 0 ? maxAbs / maxRef : maxAbs };
}

export async function verifyPlan(ctx: { model: Model; weights: Weights; plan: PlanDoc; input?: Tensor3; reference?: Map<number, Tensor3>; tolerance?: number; tamper?: Tamper; engine?: Engine }): Promise<VerifyReport> {
  const { model, plan } = ctx;
  assert(plan.model.name === model.name, () => `verify: the plan is for model ${plan.model.name}, not ${model.name}`);
  const input = ctx.input ?? sampleInput(model);
  const ref = ctx.reference ?? await runReference(model, ctx.weights, input, { engine: ctx.engine });
  const run = await runPlanInProcess({ model, weights: ctx.weights, plan, input, tamper: ctx.tamper, engine: ctx.engine });
  const { maxAbsDiff, maxRelDiff } = compareOutputs(ref, run.outputs);
  const wire = planWire(plan);
  const tolerance = ctx.tolerance ?? WIRE_TOLERANCE[wire];
  const ftp = plan.stages.find((s) => s.kind === 'ftp');
  return {
    model: model.name,
    devices: plan.devices.length,
    grid: ftp?.grid ? `${ftp.grid.rows}x${ftp.grid.cols}` : null,
    ftpLayers: ftp ? ftp.layers[1] + 1 : 0,
    layers: plan.layers.map((l) => ({ ...l })),
    maxAbsDiff, maxRelDiff,
    ok: maxRelDiff <= tolerance,
    wire, tolerance,
    bytesExchanged: run.bytesExchanged,
    uplinkBytes: run.uplinkBytes,
    messages: run.messages,
    tailBytesExchanged: plan.stages.filter((s) => s.kind !== 'ftp' && s.kind !== 'ingest' && s.kind !== 'head').reduce((a, s) => a + (run.bytesByStage[s.id] ?? 0), 0),
    memoryPerDevice: run.devices.map((d) => ({ device: d.device, weightBytes: d.weightBytes, peakActivationBytes: d.peakActivationBytes })),
  };
}
