/**
 * Plan builder: partition spec → plan document (stages, tasks, pieces), validated.
 * Stages follow PAPER §1: ingest → FTP head (§2) → weight-partitioned tail (§3) → head decode.
 */
import { randomUUID } from 'node:crypto';
import { modelHash } from '../../shared/plan/hash.ts';
import type { Model } from '../../shared/model/ir.ts';
import { INPUT } from '../../shared/model/ir.ts';
import { PlanInfeasibleError } from '../../shared/errors.ts';
import { channelRanges } from '../../shared/partition/channels.ts';
import type { LayerDoc, PlanDoc, StageDoc } from '../../shared/plan/types.ts';
import { PLAN_VERSION } from '../../shared/plan/types.ts';
import { PlanDraft, fullSel } from './draft.ts';
import { addFtpStage } from './ftp-stage.ts';
import { addTailStages } from './tail-stages.ts';
import { fuseChains } from './fuse-chains.ts';
import { type PartitionSpec, tailKind, validateFtp, validateTail } from './spec.ts';

export interface BuildOptions {
  readonly planId?: string;
  readonly createdAt?: string;
  /** Where workers load the model from (built-in name or path) and its weights file, if any. */
  readonly source?: string;
  readonly weights?: string;
  /** Merge chains of local tasks into one task (fuse-chains.ts; default true). */
  readonly fuseChains?: boolean;
}

function validateDevices(spec: PartitionSpec): string {
  if (spec.devices.length === 0) throw new PlanInfeasibleError('devices', 'plan: at least one device is needed');
  const ids = new Set(spec.devices.map((d) => d.id));
  if (ids.size !== spec.devices.length) throw new PlanInfeasibleError('devices', `plan: device ids must be unique: ${spec.devices.map((d) => d.id).join(', ')}`);
  const src = spec.dataSource ?? spec.devices[0]!.id;
  if (!ids.has(src)) throw new PlanInfeasibleError('devices', `plan: data source '${src}' is not one of the devices`);
  if (spec.shares && spec.shares.length !== spec.devices.length) {
    throw new PlanInfeasibleError('shares', `plan: ${spec.shares.length} shares given for ${spec.devices.length} devices`);
  }
  return src;
}

/**
 * Channel shares of a layer with `c` channels [ours]: every device when c ≥ N (PAPER §3.2), else the
 * first c devices one channel each, so a layer with fewer channels than devices runs on fewer devices
 * instead of making the plan illegal (CenterNet's 2- and 4-channel heads on 6 devices).
 */
function widthShares(spec: PartitionSpec, c: number): number | readonly number[] {
  const n = spec.devices.length;
  if (c >= n) return spec.shares ?? n;
  return spec.shares ? spec.shares.slice(0, c) : c;
}

function layerDocs(model: Model, spec: PartitionSpec): LayerDoc[] {
  const k = spec.ftp?.layers ?? 0;
  return model.nodes.map((n) => ({ index: n.id, kind: n.kind, partition: n.id < k ? 'ftp' : tailKind(spec, model, n.id) }));
}

/** Build and validate a plan. Throws PlanInfeasibleError naming the layer and the rule. */
export function buildPlan(model: Model, spec: PartitionSpec, opts: BuildOptions = {}): PlanDoc {
  const dataSource = validateDevices(spec);
  const k = spec.ftp?.layers ?? 0;
  if (spec.ftp) validateFtp(model, spec.ftp);
  validateTail(model, spec, k);
  const draft = new PlanDraft({ model, spec, dataSource });
  const ranges = (c: number) => channelRanges(c, widthShares(spec, c));

  const ingest = draft.stage('in', 'ingest', [-1, -1]);
  draft.task(ingest, { kind: 'ingest', worker: dataSource, runs: [], needs: [], produces: [INPUT] });
  if (spec.ftp) addFtpStage(draft, spec.ftp);
  addTailStages(draft, k, ranges);
  const head = draft.stage('head', 'head', [model.nodes.length - 1, model.nodes.length - 1]);
  draft.task(head, { kind: 'head', worker: dataSource, runs: [], needs: model.outputs.map((o) => ({ sel: fullSel(model, o), reduce: false })), produces: [] });

  const { stages, pieces } = draft.finish();
  const plan: PlanDoc = {
    version: PLAN_VERSION,
    planId: opts.planId ?? randomUUID(),
    createdAt: opts.createdAt ?? new Date().toISOString(),
    model: { name: model.name, hash: modelHash(model), input: model.input, source: opts.source ?? model.name, ...(opts.weights ? { weights: opts.weights } : {}) },
    devices: spec.devices,
    dataSource,
    objective: spec.objective ?? 'spec',
    layers: layerDocs(model, spec),
    stages: stages as StageDoc[],
    pieces,
  };
  return opts.fuseChains === false ? plan : fuseChains(plan, (n) => model.nodes[n]!.out.c);
}
