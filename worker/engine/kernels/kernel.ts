/**
 * The kernel contract (tfjs kernel-registry style, STYLE.md §4): one `{kind, run}` per layer kind,
 * registered in kernels/index.ts. Kernels are synchronous and eager; the executor wraps each call in
 * tf.tidy, so temporaries vanish and only the returned tensor (and kept cache entries) survive.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Node, NodeKind, NodeWeights, Pad4 } from '../../../shared/model/ir.ts';

/** Per-call overrides a task gives a kernel; they are what differs between a tile or slice and the whole layer. */
export interface KernelOverrides {
  /**
   * Tile padding that replaces node.pad (PAPER §2.3): a tile's window layer runs VALID over its
   * crop plus this padding — zeros for conv, ignored by max-pool, excluded from avg-pool's divisor.
   */
  readonly pad?: Pad4;
  /** LIP / FUSE2 partial sum (PAPER §3.1): only the linear part, no bias, BN shift or activation. */
  readonly partial?: boolean;
  /**
   * Group count for a channel slice of a grouped or depthwise conv (LOP on depthwise, PAPER §2.3):
   * a slice covering k whole groups runs with k groups. Defaults to node.groups.
   */
  readonly groups?: number;
}

export interface KernelCtx extends KernelOverrides {
  /** Backend tensors built from weights (folded BN, reshaped kernels) and index maps, kept across frames. */
  readonly cache: Map<string, unknown>;
}

/** The node type of a kind; distributes over the union so PoolNode serves 'maxpool' and 'avgpool'. */
export type NodeOf<K extends NodeKind> = Node extends infer N ? (N extends Node ? (K extends N['kind'] ? N : never) : never) : never;

export interface Kernel<K extends NodeKind = NodeKind> {
  readonly kind: K;
  run(node: NodeOf<K>, inputs: readonly tf.Tensor3D[], weights: NodeWeights | undefined, ctx: KernelCtx): tf.Tensor3D;
}

/** Padding in effect: the tile's override, else the node's own. */
export function padOf(node: { readonly pad: Pad4 }, ctx: KernelOverrides): Pad4 {
  return ctx.pad ?? node.pad;
}

/** tfjs explicit-padding form of a Pad4 for NHWC ops. */
export function explicitPad(p: Pad4): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]];
}

export function hasPad(p: Pad4): boolean {
  return p.top > 0 || p.bottom > 0 || p.left > 0 || p.right > 0;
}
