/**
 * The plan as a picture's data (issue 12): the per-layer partition strip, the FTP grid with the
 * device of every tile, and the channel range each device owns in every tail stage. Pure: the page
 * (planner/ui/static) and the offline SVG (plan-svg.ts) draw the same view, so they cannot disagree.
 */
import type { PartitionKind, PlanDoc, StageDoc, TaskKind } from '../../shared/plan/types.ts';

/** Okabe–Ito colours (readable with the common colour-vision deficiencies); FUSE1/FUSE2 share a hue. */
export const PARTITION_COLOURS: Readonly<Record<PartitionKind, string>> = {
  ftp: '#0072B2', lop: '#E69F00', lip: '#CC79A7', fuse1: '#009E73', fuse2: '#7FD1B9', seq: '#F0E442', local: '#A0A0A0',
};

/** One colour per device, in plan order (Tableau 10, then repeated darker). */
const DEVICE_PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function deviceColour(i: number): string {
  return DEVICE_PALETTE[i % DEVICE_PALETTE.length]!;
}

export interface TileView { readonly worker: string; readonly row: number; readonly col: number; readonly y0: number; readonly y1: number; readonly x0: number; readonly x1: number }

/** FTP tiles in fractions (0..1) of the stage's output map, so they can be laid over any frame size. */
export interface FtpView {
  readonly stage: string;
  readonly layers: readonly [number, number];
  readonly rows: number;
  readonly cols: number;
  readonly tiles: readonly TileView[];
}

export interface ChannelPart { readonly worker: string; readonly c0: number; readonly c1: number; readonly side: 'out' | 'in' }

export interface TailStageView {
  readonly stage: string;
  readonly kind: TaskKind;
  readonly layers: readonly [number, number];
  /** The channel axis the parts cut (the first run's output channels for LOP/FUSE, input for LIP). */
  readonly channels: number;
  readonly parts: readonly ChannelPart[];
  /** Devices with a task here (a `local`/`seq` stage has one, a `reduce` one per range). */
  readonly workers: readonly string[];
}

export interface DeviceView {
  readonly id: string;
  readonly colour: string;
  /** Tasks of this plan on the device, and the stages they are in. */
  readonly tasks: number;
  readonly stages: readonly string[];
  readonly speed: number;
  readonly memoryBytes: number;
  readonly linkBps: number;
  /** The plan's prediction for this device: memory held and bytes on its link per frame. */
  readonly predicted?: { readonly weightBytes: number; readonly peakActivationBytes: number; readonly upBytes: number; readonly downBytes: number };
}

/** Per stage: predicted end (ms after the frame arrives) and the compute time of its slowest task. */
export type StageTimes = Readonly<Record<string, { readonly endMs: number; readonly computeMs: number }>>;

export interface PlanView {
  readonly planId: string;
  readonly model: string;
  readonly input: { readonly h: number; readonly w: number };
  readonly objective: string;
  readonly dataSource: string;
  readonly devices: readonly DeviceView[];
  /** How frames become the network input (model preprocess), to lay the FTP grid over a frame. */
  readonly resize?: 'letterbox' | 'stretch';
  readonly layers: readonly { readonly index: number; readonly kind: string; readonly partition: PartitionKind; readonly colour: string }[];
  readonly ftp?: FtpView;
  readonly tail: readonly TailStageView[];
  readonly stages: readonly { readonly id: string; readonly kind: TaskKind; readonly layers: readonly [number, number]; readonly tasks: number }[];
  readonly predicted?: { readonly latencyMs: number; readonly bytesPerFrame: number; readonly stages?: StageTimes };
  readonly explain?: readonly string[];
}

function ftpView(stage: StageDoc): FtpView {
  const last = (t: StageDoc['tasks'][number]) => t.runs[t.runs.length - 1]!.region;
  const h = Math.max(...stage.tasks.map((t) => last(t).y1)), w = Math.max(...stage.tasks.map((t) => last(t).x1));
  const ys = [...new Set(stage.tasks.map((t) => last(t).y0))].sort((a, b) => a - b);
  const xs = [...new Set(stage.tasks.map((t) => last(t).x0))].sort((a, b) => a - b);
  const tiles = stage.tasks.map((t) => {
    const r = last(t);
    return { worker: t.worker, row: ys.indexOf(r.y0), col: xs.indexOf(r.x0), y0: r.y0 / h, y1: r.y1 / h, x0: r.x0 / w, x1: r.x1 / w };
  });
  return { stage: stage.id, layers: stage.layers, rows: stage.grid?.rows ?? ys.length, cols: stage.grid?.cols ?? xs.length, tiles };
}

function tailView(stage: StageDoc): TailStageView {
  const parts: ChannelPart[] = [];
  for (const t of stage.tasks) {
    const r = t.runs[0];
    const range = r?.outChannels ?? r?.inChannels;
    if (range) parts.push({ worker: t.worker, c0: range.c0, c1: range.c1, side: r?.outChannels ? 'out' : 'in' });
    // A reduce task finishes one channel range: the range of the partial sums it adds up.
    else if (t.kind === 'reduce' && t.needs[0]) parts.push({ worker: t.worker, c0: t.needs[0].sel.channels.c0, c1: t.needs[0].sel.channels.c1, side: 'out' });
  }
  const channels = Math.max(0, ...parts.map((p) => p.c1));
  return { stage: stage.id, kind: stage.kind, layers: stage.layers, channels, parts, workers: [...new Set(stage.tasks.map((t) => t.worker))] };
}

/** The view of a plan; `explain` and per-stage predictions are added by the caller when it has them. */
function deviceView(plan: PlanDoc, i: number): DeviceView {
  const d = plan.devices[i]!;
  const stages = plan.stages.filter((s) => s.tasks.some((t) => t.worker === d.id));
  const mem = plan.predicted?.memoryPerDevice[d.id], link = plan.predicted?.bytesPerLink[d.id];
  return {
    id: d.id, colour: deviceColour(i), tasks: stages.reduce((n, s) => n + s.tasks.filter((t) => t.worker === d.id).length, 0), stages: stages.map((s) => s.id),
    speed: d.speed, memoryBytes: d.memoryBytes, linkBps: d.linkBps,
    ...(mem && link ? { predicted: { weightBytes: mem.weightBytes, peakActivationBytes: mem.peakActivationBytes, upBytes: link.up, downBytes: link.down } } : {}),
  };
}

export interface PlanViewExtra {
  readonly explain?: readonly string[];
  readonly stages?: StageTimes;
  readonly resize?: 'letterbox' | 'stretch';
}

export function planView(plan: PlanDoc, extra: PlanViewExtra = {}): PlanView {
  const ftp = plan.stages.find((s) => s.kind === 'ftp');
  return {
    planId: plan.planId, model: plan.model.name, input: { h: plan.model.input.h, w: plan.model.input.w },
    objective: plan.objective, dataSource: plan.dataSource,
    devices: plan.devices.map((_, i) => deviceView(plan, i)),
    ...(extra.resize ? { resize: extra.resize } : {}),
    layers: plan.layers.map((l) => ({ index: l.index, kind: l.kind, partition: l.partition, colour: PARTITION_COLOURS[l.partition] })),
    ...(ftp && ftp.tasks.length ? { ftp: ftpView(ftp) } : {}),
    tail: plan.stages.filter((s) => !['ingest', 'ftp', 'head'].includes(s.kind)).map(tailView),
    stages: plan.stages.map((s) => ({ id: s.id, kind: s.kind, layers: s.layers, tasks: s.tasks.length })),
    ...(plan.predicted ? { predicted: { latencyMs: plan.predicted.latencyMs, bytesPerFrame: plan.predicted.bytesPerFrame, ...(extra.stages ? { stages: extra.stages } : {}) } } : {}),
    ...(extra.explain ? { explain: extra.explain } : {}),
  };
}
