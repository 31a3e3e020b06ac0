/**
 * Seeded synthetic weights for models without a weights file (no pretrained Darknet weights ship
 * with the cfgs, assets/darknet/SOURCE.md). Deterministic: the same model and seed give the same
 * bits on every machine, so planner, workers and tests agree without moving weights around.
 *
 * Scaling: He-style, generalised so activations stay O(1) at any depth. We propagate a Gaussian
 * estimate of each node's output mean and second moment q = E[x²] through the graph and draw each
 * kernel uniformly with variance 1/(fan_in·q_in), so every conv or dense pre-activation has
 * E[y²] ≈ 1. After a ReLU on N(0, 1), q = 1/2, which gives exactly He's N(0, 2/fan_in); after
 * residual adds, concats or pools it adapts, so ResNet-50 and YOLOv2 neither explode nor vanish
 * (a residual stream still grows with depth, as in any ResNet at initialisation). Batch norm gets
 * scale and variance 1 ± 0.1 and a small mean; biases are small.
 */
import { nodeInputs, type Activation, type Model, type Node, type NodeWeights, type Weights } from './ir.ts';

/** 32-bit seed from the model's name and structure (kinds, wiring, shapes). */
function modelSeed(model: Model): number {
  const parts = [model.name, `${model.input.h}x${model.input.w}x${model.input.c}`];
  for (const n of model.nodes) parts.push(`${n.kind}:${n.inputs.join(',')}:${n.out.h}x${n.out.w}x${n.out.c}`);
  return fnv1a(parts.join('|'));
}

export function syntheticWeights(model: Model, seed: number = modelSeed(model), onProgress?: (done: number, total: number) => void): Weights {
  const weights: Weights = new Map();
  const moments: Moments[] = [];
  for (const node of model.nodes) {
    const ins = node.inputs.map((i) => (i < 0 ? INPUT_MOMENTS : moments[i]!));
    if (node.kind === 'conv2d' || node.kind === 'dense') {
      const x = nodeInputs(model, node)[0]!;
      const fanIn = node.kind === 'conv2d' ? node.size[0] * node.size[1] * (x.c / node.groups) : x.h * x.w * x.c;
      const units = node.kind === 'conv2d' ? node.filters : node.units;
      const rand = mulberry32((seed ^ Math.imul(node.id + 1, 0x9e3779b1)) >>> 0);
      weights.set(node.id, layerWeights(rand, fanIn * units, units, Math.sqrt(1 / (fanIn * ins[0]!.q)), node.batchNorm));
    }
    moments.push(propagate(model, node, ins));
    onProgress?.(node.id + 1, model.nodes.length);
  }
  return weights;
}

/** Estimated mean and second moment E[x²] of a node's output, over positions and channels. */
interface Moments { readonly m: number; readonly q: number }

/** Pixels scaled to 0..1: uniform would give mean 1/2 and E[x²] 1/3; natural images a bit less. */
const INPUT_MOMENTS: Moments = { m: 0.45, q: 0.3 };

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

/** Moment propagation: conv and dense pre-activations are N(0, 1) by construction of their kernels. */
function propagate(model: Model, node: Node, ins: readonly Moments[]): Moments {
  const x = ins[0] ?? { m: 0, q: 1 };
  const sd = Math.sqrt(Math.max(x.q - x.m * x.m, 1e-12));
  switch (node.kind) {
    case 'conv2d':
    case 'dense':
      return gaussian(node.activation, 0, 1);
    case 'add': {
      const m = ins.reduce((s, v) => s + v.m, 0);
      const q = ins.reduce((s, v) => s + v.q, 0) + (m * m - ins.reduce((s, v) => s + v.m * v.m, 0));
      return gaussian(node.activation, m, Math.sqrt(Math.max(q - m * m, 1e-12)));
    }
    case 'activation':
      return gaussian(node.activation, x.m, sd);
    case 'mul':
      return { m: x.m * (ins[1]?.m ?? 1), q: x.q * (ins[1]?.q ?? 1) };
    case 'maxpool': {
      // Neighbours are correlated, so count half of the i.i.d. expected-maximum gain.
      const m = x.m + 0.5 * sd * expectedMax(node.size[0] * node.size[1]);
      return { m, q: m * m + 0.75 * sd * sd };
    }
    case 'avgpool':
      return node.global ? { m: x.m, q: x.m * x.m + 0.1 * sd * sd } : x;
    case 'concat': {
      // Channel-weighted average of the inputs.
      const cs = nodeInputs(model, node).map((s) => s.c);
      const w = (i: number) => cs[i]! / cs.reduce((a, b) => a + b, 0);
      return { m: ins.reduce((s, v, i) => s + v.m * w(i), 0), q: ins.reduce((s, v, i) => s + v.q * w(i), 0) };
    }
    case 'crop':
      return { m: node.scale * x.m + node.shift, q: node.scale ** 2 * x.q + 2 * node.scale * node.shift * x.m + node.shift ** 2 };
    case 'softmax':
    case 'region':
    case 'yolo':
      return gaussian('logistic', 0, 1);
    case 'identity':
    case 'reorg':
    case 'upsample':
      return x;
  }
}

/** Standard-normal grid for the integrals below: z in [−6, 6], weights φ(z)·dz. */
const GRID = Array.from({ length: 241 }, (_, i) => -6 + i * 0.05);
const PHI = GRID.map((z) => (Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI)) * 0.05);

/** Mean and E[f(y)²] for y ~ N(m, s²). */
function gaussian(a: Activation, m: number, s: number): Moments {
  const f = ACTIVATE[a];
  let mean = 0;
  let q = 0;
  GRID.forEach((z, i) => {
    const v = f(m + s * z);
    mean += PHI[i]! * v;
    q += PHI[i]! * v * v;
  });
  return { m: mean, q };
}

/** E[max of k i.i.d. N(0, 1)] = ∫ z·k·φ(z)·Φ(z)^(k−1) dz. */
function expectedMax(k: number): number {
  let cdf = 0;
  let e = 0;
  GRID.forEach((z, i) => {
    cdf += PHI[i]!;
    e += z * k * PHI[i]! * cdf ** (k - 1);
  });
  return e;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const relu6 = (x: number): number => Math.min(Math.max(x, 0), 6);
const ACTIVATE: Record<Activation, (x: number) => number> = {
  linear: (x) => x,
  leaky: (x) => (x > 0 ? x : 0.1 * x),
  relu: (x) => Math.max(x, 0),
  relu6,
  logistic: sigmoid,
  tanh: Math.tanh,
  mish: (x) => x * Math.tanh(Math.log1p(Math.exp(x))),
  swish: (x) => x * sigmoid(x),
  hardswish: (x) => (x * relu6(x + 3)) / 6,
  hardsigmoid: (x) => relu6(x + 3) / 6,
};

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
