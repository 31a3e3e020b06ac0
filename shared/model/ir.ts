/**
 * The model IR: a DAG of typed nodes with inferred output shapes (DESIGN.md, shared/model/).
 *
 * Conventions every module relies on:
 * - Batch is always 1; activations are H×W×C, stored channel-last (NHWC) like tfjs.
 * - `nodes[i].id === i` and nodes are in topological order. For Darknet models the node id IS the
 *   Darknet layer index (every section after `[net]`, `crop` and `dropout` included).
 * - `inputs` hold node ids; `INPUT` (-1) names the model's input tensor.
 * - Weights live apart from the graph (`Weights`), so a worker can hold only its slices.
 */

export const INPUT = -1;

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

/** How a frame becomes the input tensor (values in 0..1 after `scale`). */
export interface Preprocess {
  /** letterbox: keep aspect, pad with 0.5 (Darknet YOLO); stretch: resize to fit (Darknet classifiers). */
  readonly resize: 'letterbox' | 'stretch';
  readonly scale: number;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

export type HeadKind = 'region' | 'yolo' | 'classifier' | 'centernet' | 'none';

/**
 * CenterNet decoding (head 'centernet'), read from a TF.js graph's box-decoding tail: keep heatmap
 * cells that equal the max of their peakWindow×peakWindow neighbourhood, then the topK best scores.
 */
export interface CenterNetDecode {
  readonly topK: number;
  readonly peakWindow: number;
}

export interface Model {
  readonly name: string;
  readonly format: 'darknet' | 'tfjs-graph';
  readonly input: Shape3;
  readonly nodes: readonly Node[];
  /** Node ids whose outputs the head decodes (Darknet: the last layer, or every yolo layer). */
  readonly outputs: readonly number[];
  readonly preprocess: Preprocess;
  readonly head: HeadKind;
  /** Class names, when known (coco/voc/imagenet by class count). */
  readonly labels?: readonly string[];
  /** head 'centernet': outputs are [heatmap H×W×classes, box sizes H×W×4]; decode parameters. */
  readonly centernet?: CenterNetDecode;
}

/**
 * Parameters of one node. Layouts are tfjs's:
 * conv2d kernel [kh][kw][cin/groups][filters] (HWIO); dense kernel [in][units] with `in` in HWC
 * flatten order of the input map (the Darknet importer permutes its CHW order on read and back on write).
 */
export interface NodeWeights {
  kernel?: Float32Array;
  bias?: Float32Array;
  bnScale?: Float32Array;
  bnMean?: Float32Array;
  bnVariance?: Float32Array;
}

export type Weights = Map<number, NodeWeights>;

/**
 * Darknet's batch-norm epsilon. pjreddie/darknet src/blas.c normalize_cpu divides by
 * `sqrt(variance[f]) + .000001f` (outside the root; the GPU kernel differs, the CPU is the reference).
 */
export const BN_EPSILON = 1e-6;

export function nodeInputs(model: Model, node: Node): Shape3[] {
  return node.inputs.map((i) => (i === INPUT ? model.input : model.nodes[i]!.out));
}

export function elements(s: Shape3): number {
  return s.h * s.w * s.c;
}
