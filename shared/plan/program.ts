/**
 * A task program: what one task computes, in engine-neutral terms (DESIGN.md worker/engine:
 * `compile(task, weights) → run(inputs)`). Every crop, tile padding, weight slice and group count
 * is decided here once, from the plan's geometry, so the tfjs and ONNX Runtime engines only lower
 * steps to their own ops. The reference run is the program of the whole model on one device.
 */
import { INPUT, nodeInputs, type Model, type NodeWeights, type Pad4 } from '../model/ir.ts';
import type { ChannelRange, Region } from '../tensor.ts';
import type { NeedDoc, NodeRun } from './types.ts';
import { inputRegions } from '../geometry.ts';
import { groupSlice } from '../partition/groups.ts';
import { assert } from '../errors.ts';
import { tileRefusal } from '../model/kinds.ts';

/** A value of one node: `region` × `channels` of its output, in the node's full coordinates. */
export interface ValueSel { readonly node: number; readonly region: Region; readonly channels: ChannelRange }

/**
 * An external input; `finish`: a summed LIP partial that still needs BN, bias and activation (PAPER §3.2).
 * `parts`: the engine gets that many partial sums for it and adds them itself (a reduce, PAPER §3.1).
 */
export interface FeedSpec extends ValueSel { readonly finish: boolean; readonly parts?: number }

/** Host tensors a run takes: one per feed part, feeds in order (CompiledTask.run). */
export function feedTensors(p: TaskProgram): number {
  return p.feeds.reduce((a, f) => a + (f.parts ?? 1), 0);
}

/** One node run: the crop of each input it reads and the kernel overrides of its tile or slice. */
export interface StepSpec extends NodeRun {
  readonly inputs: readonly ValueSel[];
  readonly channels: ChannelRange;
  readonly pad: Pad4;
  /** LIP / FUSE2 partial sum: the linear part only. */
  readonly partial: boolean;
  /** Group count of a grouped-conv slice (KernelOverrides.groups). */
  readonly groups?: number;
  /** Output is part of the map, or the kernel is a crop: the kernel's tile adapter runs. */
  readonly tile: boolean;
}

export interface TaskProgram {
  readonly name: string;
  readonly model: Model;
  readonly feeds: readonly FeedSpec[];
  readonly steps: readonly StepSpec[];
  /** Nodes (computed by steps, or finished feeds) whose values the run returns. */
  readonly keep: readonly number[];
  /**
   * The task's output pieces' selections: an engine may return them already cut (TaskRun.cuts), so
   * the host copies no strided channel slices out of a value (a partial sum cut per reduce range).
   */
  readonly cuts?: readonly ValueSel[];
}

/** The weights of a step (its slice), or of a finished feed (bias and BN of its channel range). */
export type ProgramWeights = (use: StepSpec | { readonly node: number; readonly finish: true }) => NodeWeights | undefined;

export const fullRegion = (s: { h: number; w: number }): Region => ({ y0: 0, y1: s.h, x0: 0, x1: s.w });

function isFull(s: { h: number; w: number }, r: Region): boolean {
  return r.y0 === 0 && r.x0 === 0 && r.y1 === s.h && r.x1 === s.w;
}

/** The steps of `runs` over values held as `held` (feeds); adds each step's value to `held`. */
export function planSteps(model: Model, runs: readonly NodeRun[], held: Map<number, ValueSel>): StepSpec[] {
  return runs.map((run) => {
    const node = model.nodes[run.node]!;
    const ins = nodeInputs(model, node);
    const { inputs: regions, pad } = inputRegions(node, run.region, ins);
    const why = isFull(node.out, run.region) ? undefined : tileRefusal(node, ins);
    assert(!why, () => `worker: layer ${node.id} (${node.kind}) cannot run on a tile: ${why}`);
    const slice = node.kind === 'conv2d' && node.groups !== 1 && run.outChannels !== undefined
      ? groupSlice(node, ins[0]!.c, run.outChannels) : undefined;
    const inputs = node.inputs.map((src, k): ValueSel => {
      const v = held.get(src);
      assert(v, () => `worker: layer ${node.id} needs layer ${src}, which this task neither received nor computed`);
      return { node: src, region: regions[k]!, channels: slice?.inChannels ?? v.channels };
    });
    const channels = run.outChannels ?? { c0: 0, c1: node.out.c };
    held.set(run.node, { node: run.node, region: run.region, channels });
    return {
      ...run, inputs, channels, pad, partial: run.inChannels !== undefined,
      ...(slice ? { groups: slice.groups } : {}), tile: !isFull(node.out, run.region) || node.kind === 'crop',
    };
  });
}

/** The program of a plan task: its needs as feeds, its runs as steps. */
export function taskProgram(model: Model, id: string, needs: readonly NeedDoc[], runs: readonly NodeRun[], keep: readonly number[], input?: boolean): TaskProgram {
  const feeds: FeedSpec[] = needs.map((n) => ({ ...n.sel, finish: n.reduce, ...(n.reduce && n.pieces.length > 1 ? { parts: n.pieces.length } : {}) }));
  if (input) feeds.unshift({ node: INPUT, region: fullRegion(model.input), channels: { c0: 0, c1: model.input.c }, finish: false });
  const held = new Map(feeds.map((f) => [f.node, f as ValueSel]));
  const steps = planSteps(model, runs, held);
  return { name: id, model, feeds, steps, keep };
}

/** Nodes a run computes: its steps and its finished feeds (engines return only these of `keep`). */
export function computedNodes(p: TaskProgram): Set<number> {
  return new Set([...p.steps.map((s) => s.node), ...p.feeds.filter((f) => f.finish).map((f) => f.node)]);
}

/** Peak live activation bytes: the feeds, then each step's output, freeing inputs after their last use unless kept. */
export function programPeakBytes(p: TaskProgram): number {
  const size = (s: ValueSel): number => selDims(s).reduce((a, b) => a * b, 1) * 4;
  const live = new Map(p.feeds.map((f) => [f.node, size(f)]));
  const lastUse = new Map<number, number>();
  p.steps.forEach((s, i) => s.inputs.forEach((v) => lastUse.set(v.node, i)));
  const keep = new Set(p.keep);
  const sum = (): number => [...live.values()].reduce((a, b) => a + b, 0);
  let peak = sum();
  p.steps.forEach((s, i) => {
    live.set(s.node, size({ node: s.node, region: s.region, channels: s.channels }));
    peak = Math.max(peak, sum());
    for (const [src, last] of lastUse) if (last === i && !keep.has(src)) live.delete(src);
  });
  return peak;
}

/** The whole model on one device (the reference): model.outputs, or every node. */
export function modelProgram(model: Model, all = false): TaskProgram {
  const runs = model.nodes.map((n) => ({ node: n.id, region: fullRegion(n.out) }));
  const keep = all ? model.nodes.map((n) => n.id) : model.outputs;
  return taskProgram(model, model.name, [], runs, keep, true);
}

/** Shape [h, w, c] of a value. */
export function selDims(s: ValueSel): [number, number, number] {
  return [s.region.y1 - s.region.y0, s.region.x1 - s.region.x0, s.channels.c1 - s.channels.c0];
}
