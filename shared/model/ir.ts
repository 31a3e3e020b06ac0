/**
 * The model IR: a DAG of typed nodes with inferred output shapes (DESIGN.md, shared/model/).
 *
 * Conventions every module relies on:
 * - Batch is always 1; activations are H×W×C, stored channel-last (NHWC) like tfjs.
 * - `nodes[i].id === i` and nodes are in topological order. For Darknet models the node id IS the
 *   Darknet layer index (every section after `[net]`, `crop` and `dropout` included).
 * - `inputs` hold node ids; `INPUT` (-1) names the model's input tensor.
 * - Weights live apart from the graph (`Weights`), so a worker can hold only its slices.
 * The node kinds and their attributes: nodes.ts.
 */

export const INPUT = -1;

export type {
  Activation, Shape3, Pad4, Pair, Conv2dNode, PoolNode, DenseNode, SoftmaxNode, ConcatNode, AddNode, MulNode,
  ActivationNode, ReorgNode, UpsampleNode, CropNode, IdentityNode, RegionNode, YoloNode, Node, NodeKind,
} from './nodes.ts';
import type { Node, Shape3 } from './nodes.ts';

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
