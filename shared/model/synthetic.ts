/**
 * Seeded synthetic weights for models without a weights file (no pretrained Darknet weights ship
 * with the cfgs, assets/darknet/SOURCE.md). Deterministic: the same model and seed give the same
 * bits on every machine, so planner, workers and tests agree without moving weights around.
 *
 * Scaling: He-style, generalised so activations stay O(1) at any depth. We propagate an estimate
 * of each node's output second moment q = E[x²] through the graph and draw each kernel uniformly
 * with variance 1/(fan_in·q_in), so every conv or dense pre-activation has E[y²] ≈ 1. After a
 * ReLU-like layer q ≈ 1/2, which gives exactly He's N(0, 2/fan_in); after residual adds, concats or
 * pools it adapts, so ResNet-50 and YOLOv2 neither explode nor vanish. Batch norm gets scale and
 * variance 1 ± 0.1 and a small mean; biases are small.
 */
import { nodeInputs, type Activation, type Model, type Node, type NodeWeights, type Weights } from './ir.ts';

/** 32-bit seed from the model's name and structure (kinds, wiring, shapes). */
export function modelSeed(model: Model): number {
  const parts = [model.name, `${model.input.h}x${model.input.w}x${model.input.c}`];
  for (const n of model.nodes) parts.push(`${n.kind}:${n.inputs.join(',')}:${n.out.h}x${n.out.w}x${n.out.c}`);
  return fnv1a(parts.join('|'));
}

export function syntheticWeights(model: Model, seed: number = modelSeed(model)): Weights {
  const weights: Weights = new Map();
  const q: number[] = [];
  const qOf = (i: number): number => (i < 0 ? INPUT_Q : q[i]!);
  for (const node of model.nodes) {
    const qin = node.inputs.map(qOf);
    if (node.kind === 'conv2d' || node.kind === 'dense') {
      const x = nodeInputs(model, node)[0]!;
      const fanIn = node.kind === 'conv2d' ? node.size[0] * node.size[1] * (x.c / node.groups) : x.h * x.w * x.c;
      const units = node.kind === 'conv2d' ? node.filters : node.units;
      const rand = mulberry32((seed ^ Math.imul(node.id + 1, 0x9e3779b1)) >>> 0);
      weights.set(node.id, layerWeights(rand, fanIn * units, units, Math.sqrt(1 / (fanIn * qin[0]!)), node.batchNorm));
    }
    q.push(secondMoment(node, qin));
  }
  return weights;
}

/** Pixels scaled to 0..1 have E[x²] ≈ 1/3 (uniform) to 1/4 (natural images). */
const INPUT_Q = 0.3;

function layerWeights(rand: () => number, kernelSize: number, units: number, std: number, bn: boolean): NodeWeights {
  const uniform = (n: number, centre: number, half: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = centre + (2 * rand() - 1) * half;
    return a;
  };
  // Uniform(−a, a) has standard deviation a/√3.
  const nw: NodeWeights = { kernel: uniform(kernelSize, 0, std * Math.sqrt(3)), bias: uniform(units, 0, 0.05) };
  if (bn) {
    nw.bnScale = uniform(units, 1, 0.1);
    nw.bnMean = uniform(units, 0, 0.05);
    nw.bnVariance = uniform(units, 1, 0.1);
  }
  return nw;
}

/** Estimated E[x²] of a node's output given its inputs' estimates; pre-activations are ≈ 1 by construction. */
function secondMoment(node: Node, qin: readonly number[]): number {
  const x = qin[0] ?? 1;
  switch (node.kind) {
    case 'conv2d':
    case 'dense':
      return activated(node.activation, 1);
    case 'add':
      return activated(node.activation, qin.reduce((s, v) => s + v, 0));
    case 'activation':
      return activated(node.activation, x);
    case 'mul':
      return x * (qin[1] ?? 1);
    case 'maxpool':
      // The max of a window is larger than a typical cell; ×2 is a rough middle for 2×2..3×3 windows.
      return node.global || node.size[0] * node.size[1] > 1 ? 2 * x : x;
    case 'avgpool':
      // Averaging keeps the mean and shrinks the spread; post-ReLU maps are about one third mean².
      return node.global || node.size[0] * node.size[1] > 1 ? x / 3 : x;
    case 'concat':
      return qin.reduce((s, v) => s + v, 0) / qin.length;
    case 'softmax':
    case 'region':
    case 'yolo':
      return 0.3;
    case 'crop':
    case 'identity':
    case 'reorg':
    case 'upsample':
      return x;
  }
}

/** E[f(y)²] for y with E[y²] = p and zero mean (approximations for the smooth ones). */
function activated(a: Activation, p: number): number {
  switch (a) {
    case 'linear': return p;
    case 'relu': case 'relu6': return p / 2;
    case 'leaky': return 0.505 * p;
    case 'logistic': return 0.25 + p / 16;
    case 'hardsigmoid': return 0.25 + p / 36;
    case 'tanh': return p / (1 + 1.5 * p);
    case 'mish': case 'swish': case 'hardswish': return 0.4 * p;
  }
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
