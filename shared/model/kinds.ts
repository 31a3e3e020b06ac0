/**
 * Per-kind facts: one row per IR node kind, read by the planner (FTP legality, weight partitioning,
 * ILP-1's CONV_l), by geometry (receptive regions) and by the worker (may this run on a tile, does
 * it hold weights). The table's type is keyed by NodeKind, so adding a kind to ir.ts fails to compile
 * until its row says how it tiles, where its halo comes from and how its weights split
 * (STYLE §4, tfjs's kernel registry).
 */
import type { DenseNode, Node, NodeKind, Shape3 } from './ir.ts';
import type { NodeRegions } from '../region.ts';
import type { Region } from '../tensor.ts';
import * as r from '../receptive.ts';

/** The node type of kind K (a PoolNode for both 'maxpool' and 'avgpool'). */
export type NodeOf<K extends NodeKind> = Node extends infer N ? (N extends Node ? (K extends N['kind'] ? N : never) : never) : never;

export interface KindFacts<N extends Node> {
  /**
   * FTP (PAPER §2): undefined when the node may run on a spatial tile — the planner may put it in a
   * fused stack and the worker has a tile path for it — else why not. `ins` are its input shapes.
   */
  readonly tile: (n: N, ins: readonly Shape3[]) => string | undefined;
  /** Where its halo comes from: the receptive-region rule of shared/receptive.ts (PAPER §2.2–§2.3). */
  readonly regions: (n: N, out: Region, ins: readonly Shape3[]) => NodeRegions;
  /** Holds a weight tensor: the weight store keeps its slices and PAPER §3's partitioning applies. */
  readonly weights: boolean;
  /** How many ways LOP (PAPER §3.1: output channels) can split it; 0 when it has no weights to split. */
  readonly lopSplits: (n: N) => number;
  /** LIP and FUSE1/FUSE2 (PAPER §3.1, §3.5: input channels) apply: ungrouped weights only (§2.3). */
  readonly lip: (n: N) => boolean;
  /** Fully connected: ILP-1 partitions it only as PAPER §3.4's 1×1 case (planner/layers.ts `fc`). */
  readonly fc: boolean;
  /** Partition of a tail layer unless a plan says otherwise: LOP, or whole on the data source (PAPER §1). */
  readonly tail: 'lop' | 'local';
}

const tiles = (): undefined => undefined;
const WHOLE_MAP = 'it needs the whole map (PAPER §2.2)';
/** A layer without weights: nothing to split, it runs whole on the data source in the tail. */
const NO_WEIGHTS = { weights: false, lopSplits: () => 0, lip: () => false, fc: false, tail: 'local' } as const;
const perPixel = { tile: tiles, regions: r.samePixels, ...NO_WEIGHTS } as const;

type Table = { readonly [K in NodeKind]: KindFacts<NodeOf<K>> };

export const KINDS = {
  conv2d: {
    tile: tiles, regions: r.windowRegions, weights: true, fc: false, tail: 'lop',
    // A grouped/depthwise conv splits by whole groups; LIP does not apply to it (PAPER §2.3).
    lopSplits: (n) => (n.groups > 1 ? n.groups : n.out.c), lip: (n) => n.groups === 1,
  },
  dense: {
    tile: () => WHOLE_MAP, regions: r.wholeMap, weights: true, fc: true, tail: 'lop',
    lopSplits: (n: DenseNode) => n.out.c, lip: () => true,
  },
  maxpool: { tile: (n) => (n.global ? `a global pool: ${WHOLE_MAP}` : undefined), regions: r.windowRegions, ...NO_WEIGHTS },
  avgpool: { tile: (n) => (n.global ? `a global pool: ${WHOLE_MAP}` : undefined), regions: r.windowRegions, ...NO_WEIGHTS },
  add: { ...perPixel, regions: r.shortcutRegions },
  mul: {
    ...perPixel, regions: r.broadcastRegions,
    // The broadcast operand of a squeeze-excite is a global value of the same map.
    tile: (n, ins) => (ins.some((s) => s.h === 1 && n.out.h > 1) ? `a broadcast multiply of a global value (squeeze-excite): ${WHOLE_MAP}` : undefined),
  },
  concat: perPixel,
  softmax: perPixel,
  activation: perPixel,
  identity: perPixel,
  region: perPixel,
  yolo: perPixel,
  crop: { ...perPixel, regions: r.cropRegions },
  // Nearest and bilinear both: the worker samples a bilinear tile at full-map coordinates (upsample-tile.ts).
  upsample: { ...perPixel, regions: r.upsampleRegions },
  // The region rule is exact, but a reorg of a crop is not the crop of a reorg: the worker has no tile path.
  reorg: { ...perPixel, regions: r.reorgRegions, tile: () => 'reorg scatters pixels across the whole map' },
} as const satisfies Table;

/** The facts of one node, typed for it. */
export function kindFacts<N extends Node>(node: N): KindFacts<N> {
  return (KINDS as Table)[node.kind] as unknown as KindFacts<N>;
}

/** Kinds whose row says `weights: true`, derived from the table so a new weighted kind narrows too. */
export type WeightKind = { [K in NodeKind]: (typeof KINDS)[K]['weights'] extends true ? K : never }[NodeKind];
export type WeightNode = NodeOf<WeightKind>;

export function hasWeights(node: Node): node is WeightNode {
  return kindFacts(node).weights;
}

/** Undefined when `node` may run on a spatial tile (FTP), else why not (planner and worker both ask). */
export function tileRefusal(node: Node, ins: readonly Shape3[]): string | undefined {
  return kindFacts(node).tile(node, ins);
}
