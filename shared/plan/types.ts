/**
 * The plan document (DESIGN.md "The plan document"): retained JSON on `<c>/plan`, the contract
 * between planner and workers. Workers read only this file's types, never planner code.
 *
 * Change from DESIGN.md, on purpose: a task may publish several output pieces. LIP and FUSE2 end in
 * a reduce-scatter (PAPER §3.1: partial sums are added, then bias/BN/activation once): each task
 * publishes its partial sum cut into one piece per channel range, and `reduce` task j sums the
 * pieces of range j and finishes them. Over a broker this moves the same bytes as the paper's
 * gather-at-the-data-source plus re-broadcast, without a central gatherer.
 */
import type { ChannelRange, Region } from '../tensor.ts';
import type { Pad4, Shape3 } from '../model/ir.ts';
import type { SpeedProfile } from './speed-profile.ts';

export const PLAN_VERSION = 1;

/** How a layer is partitioned (verify's `layers[].partition`). */
export type PartitionKind = 'ftp' | 'lop' | 'lip' | 'fuse1' | 'fuse2' | 'seq' | 'local';

export type TaskKind = 'ingest' | 'ftp' | 'lop' | 'lip' | 'fuse' | 'seq' | 'local' | 'reduce' | 'head';

export interface PlanDevice {
  readonly id: string;
  readonly memoryBytes: number;
  /** Sustained GFLOP/s (measured or declared). */
  readonly speed: number;
  readonly linkBps: number;
  /** Measured speed per work class (shared/plan/speed-profile.ts); `speed` applies where absent. */
  readonly profile?: SpeedProfile;
}

/** A part of one node's output: a spatial region × a channel range. */
export interface TensorSel {
  readonly node: number;
  readonly region: Region;
  readonly channels: ChannelRange;
}

/** One message per frame on topic `<c>/data/<stage>/<piece>`; `id` is `<stage>/<piece>`. */
export interface PieceDoc {
  readonly id: string;
  readonly stage: string;
  readonly worker: string;
  readonly sel: TensorSel;
  /** An un-reduced LIP partial sum (no bias, no activation yet). */
  readonly partial: boolean;
  readonly dtype: 'float32' | 'float16' | 'int8';
}

/** Per node of a task: what it computes and how (tile padding, weight slice). */
export interface NodeRun {
  readonly node: number;
  /** Output region this node computes (tiles), else the whole map. */
  readonly region: Region;
  /** Tile padding for window layers run VALID over their crop (PAPER §2.3). */
  readonly pad?: Pad4;
  /** LOP part: output channels computed. */
  readonly outChannels?: ChannelRange;
  /** LIP part: input channels used; the result is a partial sum. */
  readonly inChannels?: ChannelRange;
}

/** What a task assembles from its input pieces before it runs (one entry per external node). */
export interface NeedDoc {
  readonly sel: TensorSel;
  /** Sum partial pieces, then finish with the node's bias and activation (reduce tasks). */
  readonly reduce: boolean;
  /** Piece ids that cover `sel`. */
  readonly pieces: readonly string[];
}

export interface TaskDoc {
  readonly id: string;
  readonly stage: string;
  readonly kind: TaskKind;
  readonly worker: string;
  readonly runs: readonly NodeRun[];
  readonly needs: readonly NeedDoc[];
  readonly outputs: readonly string[];
}

export interface StageDoc {
  readonly id: string;
  readonly kind: TaskKind;
  /** Darknet layer indices [from, to] (inclusive) this stage covers; [-1, -1] for ingest. */
  readonly layers: readonly [number, number];
  readonly grid?: { readonly rows: number; readonly cols: number };
  readonly tasks: readonly TaskDoc[];
}

export interface LayerDoc {
  readonly index: number;
  readonly kind: string;
  readonly partition: PartitionKind;
}

export interface PlanPrediction {
  readonly bytesPerFrame: number;
  readonly bytesPerLink: Readonly<Record<string, { up: number; down: number }>>;
  readonly memoryPerDevice: Readonly<Record<string, { weightBytes: number; peakActivationBytes: number }>>;
  readonly latencyMs: number;
  /** Pipelined throughput: 1000 / the busiest device's or link's ms per frame (`--objective fps`). */
  readonly fps?: number;
  /** Per stage, ms after the previous stage's end, as predictions' `latencyMs.stages` measure them. */
  readonly stages?: readonly StagePrediction[];
}

/** One stage's predicted share of the latency, split into compute and transfer (planner/calibration.ts). */
export interface StagePrediction {
  readonly stage: string;
  readonly ms: number;
  /** Devices whose compute ends the stage, and the links whose transfers do (sender ids). */
  readonly workers: readonly string[];
  readonly computeMs: number;
  readonly transferMs: number;
}

export interface PlanDoc {
  readonly version: number;
  readonly planId: string;
  readonly createdAt: string;
  readonly model: {
    readonly name: string;
    readonly hash: string;
    readonly input: Shape3;
    /** How workers load it: a built-in name or a path they can read, plus an optional weights file. */
    readonly source?: string;
    readonly weights?: string;
  };
  readonly devices: readonly PlanDevice[];
  /** The device that owns the frame (PAPER §1 "data source"): ingest and head run here. */
  readonly dataSource: string;
  readonly objective: string;
  /** Why this plan, in a sentence (e.g. "one device is faster: 240 ms vs 3100 ms split"). */
  readonly reason?: string;
  readonly layers: readonly LayerDoc[];
  readonly stages: readonly StageDoc[];
  readonly pieces: readonly PieceDoc[];
  readonly predicted?: PlanPrediction;
}
