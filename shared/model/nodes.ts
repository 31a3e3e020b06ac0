/**
 * The node kinds of the model IR (shared/model/ir.ts): one interface per kind with its attributes,
 * and the vocabulary they share (activations, shapes, padding). Output shapes are inferred in
 * shapes.ts; weights live apart (ir.ts `Weights`).
 */

export type Activation =
  | 'linear' | 'leaky' | 'relu' | 'relu6' | 'logistic' | 'tanh' | 'mish' | 'swish' | 'hardswish' | 'hardsigmoid';

export interface Shape3 { readonly h: number; readonly w: number; readonly c: number }

/** Explicit padding per side, in input pixels. Window layers run VALID over the padded input. */
export interface Pad4 { readonly top: number; readonly bottom: number; readonly left: number; readonly right: number }

/** [rows, cols] pair for kernel size, stride and dilation. */
export type Pair = readonly [number, number];

interface NodeBase {
  readonly id: number;
  readonly name: string;
  readonly inputs: readonly number[];
  /** Output shape, inferred by shared/model/shapes.ts. */
  readonly out: Shape3;
}

export interface Conv2dNode extends NodeBase {
  readonly kind: 'conv2d';
  readonly size: Pair;
  readonly stride: Pair;
  readonly dilation: Pair;
  readonly pad: Pad4;
  /** groups === in channels (and filters a multiple of it) is a depthwise conv. */
  readonly groups: number;
  readonly filters: number;
  /**
   * Explicit batch norm (scale, mean, variance) applied before bias-add, with Darknet's formula
   * γ·(x − μ)/(√σ² + ε) (bnScale in worker/engine/kernels/fold.ts); the engine folds it. Importers of
   * other formats fold their own BN at import (TF: γ/√(σ² + ε), tfjs-graph-conv.ts) and set false.
   */
  readonly batchNorm: boolean;
  readonly activation: Activation;
}

export interface PoolNode extends NodeBase {
  readonly kind: 'maxpool' | 'avgpool';
  /** Global pooling: window = whole map, output 1×1×C. */
  readonly global: boolean;
  readonly size: Pair;
  readonly stride: Pair;
  /** Padded cells are ignored by max and excluded from the average's divisor. */
  readonly pad: Pad4;
}

export interface DenseNode extends NodeBase {
  readonly kind: 'dense';
  readonly units: number;
  readonly batchNorm: boolean;
  readonly activation: Activation;
}

export interface SoftmaxNode extends NodeBase {
  readonly kind: 'softmax';
  /** Softmax over channels at every pixel (classifiers reach it with a 1×1 map). */
  readonly temperature: number;
}

export interface ConcatNode extends NodeBase {
  readonly kind: 'concat';
  /** Darknet route `groups`/`group_id`: keep only channel group `groupId` of `groups` of the concatenation. */
  readonly groups: number;
  readonly groupId: number;
}

export interface AddNode extends NodeBase {
  readonly kind: 'add';
  readonly activation: Activation;
  /**
   * Darknet shortcut between unequal shapes (src/blas.c shortcut_cpu; resnet50.cfg's stage entries).
   * Exactly two inputs; the output has the FIRST input's shape. The second input, read at rows and
   * columns ·shortcutStride (its h and w are exactly shortcutStride × the first's), is added into
   * channels 0..min(C1, C2)−1 only; the other channels pass through. Absent when shapes are equal.
   */
  readonly shortcutStride?: number;
}

export interface MulNode extends NodeBase {
  readonly kind: 'mul';
  /** Second input may be 1×1×C (broadcast over the map, squeeze-excite). */
}

export interface ActivationNode extends NodeBase {
  readonly kind: 'activation';
  readonly activation: Activation;
  /**
   * hardswish / hardsigmoid only: the factor that stands for 1/6, as the model stores it.
   * TF.js graphs spell hard-swish as (x·c)·relu6(x + 3) with c a float16-rounded 1/6
   * (0.16662598), which differs from 1/6 by 1.5e-4, too much for the exactness rule. Absent: 1/6.
   */
  readonly hardScale?: number;
}

export interface ReorgNode extends NodeBase {
  readonly kind: 'reorg';
  /** Darknet reorg semantics (reorg_cpu with forward=0), NOT tf.spaceToDepth's channel order. */
  readonly stride: number;
}

export interface UpsampleNode extends NodeBase {
  readonly kind: 'upsample';
  readonly stride: number;
  readonly mode: 'nearest' | 'bilinear';
  /** Darknet upsample multiplies by `scale`. */
  readonly scale: number;
  /** tf.image.resizeBilinear flags (bilinear only). */
  readonly alignCorners: boolean;
  readonly halfPixelCenters: boolean;
}

export interface CropNode extends NodeBase {
  readonly kind: 'crop';
  readonly top: number;
  readonly left: number;
  /** Darknet crop maps x → x·scale + shift (scale 2, shift −1 unless `noadjust`). */
  readonly scale: number;
  readonly shift: number;
}

export interface IdentityNode extends NodeBase {
  /** Darknet dropout at inference, or a single-input route. */
  readonly kind: 'identity';
}

export interface RegionNode extends NodeBase {
  /** YOLOv2 head: logistic on x, y, objectness; softmax over classes. Output = activated map. */
  readonly kind: 'region';
  readonly anchors: readonly number[];
  readonly classes: number;
  readonly num: number;
  readonly coords: number;
}

export interface YoloNode extends NodeBase {
  /** YOLOv3 head: logistic on x, y, objectness and classes. Output = activated map. */
  readonly kind: 'yolo';
  readonly anchors: readonly number[];
  readonly mask: readonly number[];
  readonly classes: number;
}

export type Node =
  | Conv2dNode | PoolNode | DenseNode | SoftmaxNode | ConcatNode | AddNode | MulNode | ActivationNode
  | ReorgNode | UpsampleNode | CropNode | IdentityNode | RegionNode | YoloNode;

export type NodeKind = Node['kind'];
