/**
 * Partition specs: what the user (verify) or the optimiser chooses, before it becomes a plan.
 * Validation here enforces the paper's legality rules and names the layer and the rule.
 */
import type { Model, Node } from '../../shared/model/ir.ts';
import { INPUT, nodeInputs } from '../../shared/model/ir.ts';
import { hasWeights, kindFacts, tileRefusal } from '../../shared/model/kinds.ts';
import { PlanInfeasibleError } from '../../shared/errors.ts';
import type { PartitionKind, PlanDevice } from '../../shared/plan/types.ts';

export interface FtpSpec {
  /** Layers 0..layers−1 form the fused stack (PAPER §2). */
  readonly layers: number;
  readonly grid: { readonly rows: number; readonly cols: number };
  readonly rowShares?: readonly number[];
  readonly colShares?: readonly number[];
}

export interface PartitionSpec {
  readonly devices: readonly PlanDevice[];
  readonly dataSource?: string;
  readonly ftp?: FtpSpec;
  /** Partition per tail layer index; missing: LOP for conv/dense, local for the rest. `local` on a
   *  conv/dense layer runs it whole on the data source, where PAPER §1 runs every other tail layer. */
  readonly tail: Readonly<Record<number, PartitionKind>>;
  /** Channel shares per device (heterogeneous devices); default equal. */
  readonly shares?: readonly number[];
  readonly dtype?: 'float32' | 'float16' | 'int8';
  readonly objective?: string;
}

export type TailPreset = 'lop' | 'lip' | 'fused' | 'seq';

/** Layers that weight partitioning applies to: conv (PAPER §3) and FC as the 1×1 case (§3.4). */
export function isWeightLayer(n: Node): boolean {
  return hasWeights(n);
}

/** Consumers of every node (and of INPUT under key −1). */
export function consumers(model: Model): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const n of model.nodes) for (const i of n.inputs) m.set(i, [...(m.get(i) ?? []), n.id]);
  return m;
}

/** True when `b` may be FUSE2 after FUSE1 `a`: b consumes only a, and a feeds only b (§3.5). */
export function canFuse(model: Model, a: number, b: number, users = consumers(model)): boolean {
  const na = model.nodes[a], nb = model.nodes[b];
  if (!na || !nb || !isWeightLayer(na) || !isWeightLayer(nb)) return false;
  if (!kindFacts(na).lip(na) || !kindFacts(nb).lip(nb)) return false;
  const ua = users.get(a) ?? [];
  return nb.inputs.length === 1 && nb.inputs[0] === a && ua.length === 1 && ua[0] === b && !model.outputs.includes(a);
}

/** The tail types of verify's `--tail` presets. `fused` pairs greedily from the left (else LOP). */
export function tailPreset(model: Model, from: number, preset: TailPreset, devices = 1): Record<number, PartitionKind> {
  const out: Record<number, PartitionKind> = {};
  const users = consumers(model);
  for (let l = from; l < model.nodes.length; l++) {
    const n = model.nodes[l]!;
    if (!isWeightLayer(n)) { out[l] = 'local'; continue; }
    if (preset === 'fused' && canFuse(model, l, l + 1, users) && lopSplits(n) >= devices && model.nodes[l + 1]!.out.c >= devices) {
      out[l] = 'fuse1';
      out[l + 1] = 'fuse2';
      l++;
      continue;
    }
    // LIP needs one input and one output channel per device and ungrouped weights; otherwise the preset falls back to LOP.
    const src = n.inputs[0]!;
    const inC = src === INPUT ? model.input.c : model.nodes[src]!.out.c;
    const lipOk = kindFacts(n).lip(n) && inC >= devices && n.out.c >= devices;
    out[l] = preset === 'fused' || (preset === 'lip' && !lipOk) ? 'lop' : preset;
    // Fewer output channels (groups, for a grouped conv) than devices cannot split N ways: run it whole.
    if (out[l] === 'lop' && lopSplits(n) < devices) out[l] = 'seq';
  }
  return out;
}

/** How many ways LOP can split a layer: output channels, or whole groups of a grouped/depthwise conv. */
function lopSplits(n: Node): number {
  return kindFacts(n).lopSplits(n);
}

/** Tail type of layer l under a spec (defaults applied). */
export function tailKind(spec: PartitionSpec, model: Model, l: number): PartitionKind {
  return spec.tail[l] ?? kindFacts(model.nodes[l]!).tail;
}

function fail(rule: string, layer: number, msg: string): never {
  throw new PlanInfeasibleError(rule, `plan: layer ${layer}: ${msg}`, layer);
}

/** FTP stack rules: layers the kind table lets run on a tile, one output leaving the stack. */
export function validateFtp(model: Model, ftp: FtpSpec): void {
  const k = ftp.layers;
  if (k < 1 || k > model.nodes.length) fail('ftp-range', k, `--ftp-layers ${k} is outside 1..${model.nodes.length}`);
  const users = consumers(model);
  for (let l = 0; l < k; l++) {
    const n = model.nodes[l]!;
    const why = tileRefusal(n, nodeInputs(model, n));
    if (why) fail('ftp-kind', l, `FTP cannot cross a ${n.kind} layer: ${why}`);
    const outside = (users.get(l) ?? []).filter((u) => u >= k);
    if (l !== k - 1 && (outside.length > 0 || model.outputs.includes(l))) {
      fail('ftp-sink', l, `the FTP stack 0..${k - 1} must have one output (layer ${k - 1}), but layer ${l} is also used by layer ${outside[0] ?? 'output'}`);
    }
  }
}

/**
 * FTP layer counts K ≥ 1 whose stack 0..K−1 validateFtp accepts: every node tileable (the kind
 * table, shared/model/kinds.ts) and only node K−1 read from outside. Stops at the first node that
 * cannot run on a tile, since no larger stack can hold it.
 */
export function legalFtpLayers(model: Model): number[] {
  const out: number[] = [];
  for (let k = 1; k <= model.nodes.length; k++) {
    const n = model.nodes[k - 1]!;
    if (tileRefusal(n, nodeInputs(model, n))) break;
    try {
      validateFtp(model, { layers: k, grid: { rows: 1, cols: 1 } });
      out.push(k);
    } catch {
      // Not a legal boundary here: a second output leaves the stack.
    }
  }
  return out;
}

/** The most layers a fused stack 0..K−1 can take from the start of a model; 0 when none. For
 *  CenterNet this ends before the first squeeze-excite. */
export function largestLegalFtpPrefix(model: Model): number {
  return legalFtpLayers(model).at(-1) ?? 0;
}

/** Tail rules of PAPER §3.5 (one type per weight layer, FUSE1 immediately followed by FUSE2, …). */
export function validateTail(model: Model, spec: PartitionSpec, from: number): void {
  const users = consumers(model);
  for (let l = from; l < model.nodes.length; l++) {
    const n = model.nodes[l]!, t = tailKind(spec, model, l);
    if (!isWeightLayer(n) && t !== 'local') fail('tail-kind', l, `${t.toUpperCase()} needs a conv or dense layer, but layer ${l} is a ${n.kind}`);
    const grouped = isWeightLayer(n) && !kindFacts(n).lip(n);
    if (grouped && (t === 'lip' || t === 'fuse1' || t === 'fuse2')) fail('lip-grouped', l, `${t.toUpperCase()} does not apply to a grouped/depthwise conv (PAPER §2.3): use lop or seq`);
    if (t === 'fuse1') {
      if (l === model.nodes.length - 1) fail('fuse-last', l, 'the last layer cannot be FUSE1 (PAPER §3.5)');
      if (tailKind(spec, model, l + 1) !== 'fuse2') fail('fuse-pair', l, `FUSE1 must be followed by FUSE2 on layer ${l + 1} (PAPER §3.5)`);
      if (!canFuse(model, l, l + 1, users)) fail('fuse-pair', l, `FUSE1 must be followed by a conv/dense layer that consumes only it, but layer ${l + 1} is a ${model.nodes[l + 1]!.kind}${isWeightLayer(model.nodes[l + 1]!) ? ' with other inputs or users' : ''} (PAPER §3.5)`);
    }
    if (t === 'fuse2' && (l === from || tailKind(spec, model, l - 1) !== 'fuse1')) fail('fuse-pair', l, 'FUSE2 must follow a FUSE1 layer (PAPER §3.5)');
  }
}
