/**
 * Weight-partitioned tail (PAPER §3): one stage per LOP / LIP / FUSE1→FUSE2 / SEQ layer, runs of
 * non-weight layers merged into one `local` stage on the data source (PAPER §1: they run there).
 */
import type { ChannelRange } from '../../shared/tensor.ts';
import type { NodeRun, TensorSel } from '../../shared/plan/types.ts';
import { INPUT } from '../../shared/model/ir.ts';
import { groupedOutRanges, groupSlice } from '../../shared/partition/groups.ts';
import { fullSel, type PlanDraft } from './draft.ts';
import { tailKind } from './spec.ts';

type Ranges = (channels: number) => ChannelRange[];

function fullRun(draft: PlanDraft, node: number): NodeRun {
  return { node, region: fullSel(draft.model, node).region };
}

/** Whole-map inputs of a group of nodes that come from outside the group. */
function externalNeeds(draft: PlanDraft, nodes: number[]): { sel: TensorSel; reduce: boolean }[] {
  const inside = new Set(nodes);
  const ext = new Set<number>();
  for (const id of nodes) for (const i of draft.model.nodes[id]!.inputs) if (!inside.has(i)) ext.add(i);
  return [...ext].map((node) => ({ sel: fullSel(draft.model, node), reduce: false }));
}

function withChannels(sel: TensorSel, channels: ChannelRange): TensorSel {
  return { ...sel, channels };
}

/** Partial sums cut into one piece per output range, then one reduce task per range (reduce-scatter). */
function addReduce(draft: PlanDraft, node: number, outRanges: ChannelRange[]): void {
  const stage = draft.stage(`R${node}`, 'reduce', [node, node]);
  outRanges.forEach((r, k) => {
    const sel = withChannels(fullSel(draft.model, node), r);
    draft.task(stage, { kind: 'reduce', worker: draft.spec.devices[k]!.id, runs: [], needs: [{ sel, reduce: true }], produces: [], parts: [{ sel, partial: false }] });
  });
}

/**
 * LOP: output channel slices, each from the full input. A grouped or depthwise conv is sliced at
 * whole groups, and each slice then needs only its groups' input channels (shared/partition/groups.ts).
 */
function addLop(draft: PlanDraft, l: number, ranges: Ranges): void {
  const { model } = draft;
  const stage = draft.stage(`L${l}`, 'lop', [l, l]);
  const node = model.nodes[l]!;
  const grouped = node.kind === 'conv2d' && node.groups > 1 ? node : undefined;
  const input = node.inputs[0]!;
  const cin = (input === INPUT ? model.input : model.nodes[input]!.out).c;
  (grouped ? groupedOutRanges(grouped, ranges) : ranges(node.out.c)).forEach((r, j) => {
    const needs = grouped ? [{ sel: withChannels(fullSel(model, input), groupSlice(grouped, cin, r).inChannels), reduce: false }] : externalNeeds(draft, [l]);
    draft.task(stage, {
      kind: 'lop', worker: draft.spec.devices[j]!.id, runs: [{ ...fullRun(draft, l), outChannels: r }],
      needs, produces: [], parts: [{ sel: withChannels(fullSel(model, l), r), partial: false }],
    });
  });
}

/** LIP (one layer) or FUSE1→FUSE2 (two layers on the same channel ranges, PAPER §3.1). */
function addLipOrFuse(draft: PlanDraft, l: number, fused: boolean, ranges: Ranges): void {
  const { model } = draft;
  const last = fused ? l + 1 : l;
  const stage = draft.stage(`L${l}`, fused ? 'fuse' : 'lip', [l, last]);
  const input = model.nodes[l]!.inputs[0]!;
  const mid = fused ? model.nodes[l]!.out.c : fullSel(model, input).channels.c1;
  const outRanges = ranges(model.nodes[last]!.out.c);
  ranges(mid).forEach((r, j) => {
    const runs: NodeRun[] = fused
      ? [{ ...fullRun(draft, l), outChannels: r }, { ...fullRun(draft, last), inChannels: r }]
      : [{ ...fullRun(draft, l), inChannels: r }];
    const needs = fused ? externalNeeds(draft, [l]) : [{ sel: withChannels(fullSel(model, input), r), reduce: false }];
    const parts = outRanges.map((o) => ({ sel: withChannels(fullSel(model, last), o), partial: true }));
    draft.task(stage, { kind: fused ? 'fuse' : 'lip', worker: draft.spec.devices[j]!.id, runs, needs, produces: [], parts });
  });
  addReduce(draft, last, outRanges);
}

export function addTailStages(draft: PlanDraft, from: number, ranges: Ranges): void {
  const { model, spec } = draft;
  const count = model.nodes.length;
  let seq = 0;
  for (let l = from; l < count;) {
    const t = tailKind(spec, model, l);
    if (t === 'local' || t === 'seq') {
      let e = l;
      while (t === 'local' && e + 1 < count && tailKind(spec, model, e + 1) === 'local') e++;
      const nodes = Array.from({ length: e - l + 1 }, (_, i) => l + i);
      const worker = t === 'seq' ? spec.devices[seq++ % spec.devices.length]!.id : draft.dataSource;
      const stage = draft.stage(`L${l}`, t, [l, e]);
      draft.task(stage, { kind: t, worker, runs: nodes.map((n) => fullRun(draft, n)), needs: externalNeeds(draft, nodes), produces: nodes });
      l = e + 1;
    } else if (t === 'lop') {
      addLop(draft, l, ranges);
      l += 1;
    } else {
      addLipOrFuse(draft, l, t === 'fuse1', ranges);
      l += t === 'fuse1' ? 2 : 1;
    }
  }
}
