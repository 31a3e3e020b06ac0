/**
 * The `mixed` tail [ours, beyond PAPER §3]: each weight layer is either split by output channels
 * (LOP, over as many devices as it has channels, at most N) or kept whole on the data source
 * (`local`, the paper's SEQ on the device that holds the map), whichever the run-time model says
 * pays. Splitting a layer saves compute but costs a broadcast of its input and a gather of its
 * output; for the small and depthwise layers of a mobile network it rarely pays (issue 13: CenterNet
 * moved 200–330 MB per frame to run 9.7 s against 2.2 s on one device).
 *
 * A two-state Viterbi pass over the tail in layer order (where the map is: whole at the source, or
 * split across devices); a DAG is walked as a chain, so the plan's full timeline has the last word.
 */
import type { Model, Node } from '../../shared/model/ir.ts';
import { INPUT, elements } from '../../shared/model/ir.ts';
import { nodeFlops } from '../../shared/model/stats.ts';
import type { PartitionKind, PlanDevice } from '../../shared/plan/types.ts';
import { nodeWork, runMs, workClass } from '../../shared/plan/speed-profile.ts';
import { isWeightLayer } from '../plan/spec.ts';
import type { LatencyParams } from '../cost-latency.ts';

type State = 0 | 1; // 0: whole on the data source, 1: split

export interface MixedContext {
  readonly model: Model;
  /** The data source first. */
  readonly devices: readonly PlanDevice[];
  readonly latency: LatencyParams;
  /** Wire bytes per element of activations (4 for float32; float16/int8 plug in here). */
  readonly bytesPerElement?: number;
}

function ways(node: Node, n: number): number {
  return Math.min(n, node.kind === 'conv2d' && node.groups > 1 ? node.groups : node.out.c);
}

function computeMs(ctx: MixedContext, node: Node, s: State): number {
  const f = nodeFlops(ctx.model, node), work = nodeWork(ctx.model, node), cls = workClass(node);
  if (s === 0) return runMs(ctx.devices[0]!, cls, work, f);
  const w = ways(node, ctx.devices.length);
  return Math.max(...ctx.devices.slice(0, w).map((d) => runMs(d, cls, work / w, f / w)));
}

/** ms to move a map of `bytes` from where it is (`from`) to where layer `node` needs it (`to`). */
function moveMs(ctx: MixedContext, bytes: number, from: State, to: State, w: number): number {
  if (from === 0 && to === 0) return 0;
  const src = ctx.devices[0]!, link = (b: number, d: PlanDevice): number => (b * 8000) / d.linkBps;
  const o = ctx.latency.messageOverheadMs;
  if (from === 0) return link(bytes, src) + link(bytes, ctx.devices[1] ?? src) + o; // broadcast
  const slice = bytes / w;
  return link(slice, src) + link(bytes - slice, to === 0 ? src : ctx.devices[1] ?? src) + o; // gather or all-gather
}

function inputBytes(ctx: MixedContext, node: Node): number {
  const i = node.inputs[0]!;
  return elements(i === INPUT ? ctx.model.input : ctx.model.nodes[i]!.out) * (ctx.bytesPerElement ?? 4);
}

/** The mixed tail from layer k: per weight layer `lop` or `local`, every other layer `local`. */
export function mixedTail(ctx: MixedContext, k: number): Record<number, PartitionKind> {
  const nodes = ctx.model.nodes.slice(k);
  const n = ctx.devices.length;
  const back: [State, State][] = [];
  let prev: [number, number] = [0, Infinity], prevWays = 1;
  for (const node of nodes) {
    const states: State[] = isWeightLayer(node) && n > 1 ? [0, 1] : [0];
    const here: [number, number] = [Infinity, Infinity], from: [State, State] = [0, 0];
    const bytes = inputBytes(ctx, node);
    for (const s of states) {
      for (const p of [0, 1] as State[]) {
        const c = prev[p] + moveMs(ctx, bytes, p, s, p === 1 ? prevWays : 1) + computeMs(ctx, node, s);
        if (c < here[s]) [here[s], from[s]] = [c, p];
      }
    }
    back.push(from);
    prev = here;
    prevWays = ways(node, n);
  }
  const last = nodes[nodes.length - 1];
  // The head runs on the data source: a split last layer is gathered there.
  let s: State = last && prev[1] + moveMs(ctx, elements(last.out) * (ctx.bytesPerElement ?? 4), 1, 0, prevWays) < prev[0] ? 1 : 0;
  const tail: Record<number, PartitionKind> = {};
  for (let i = nodes.length - 1; i >= 0; i--) {
    tail[k + i] = s === 1 ? 'lop' : 'local';
    s = back[i]![s];
  }
  return tail;
}
