/** Every kernel against the naive loops of test/support/naive.ts; case names spell the geometry. */
import * as tf from '@tensorflow/tfjs-core';
import { strict as assert } from 'node:assert';
import { INPUT, type Activation, type Conv2dNode, type DenseNode, type Node, type NodeWeights, type Pad4, type PoolNode } from '../../shared/model/ir.ts';
import { windowOutSize } from '../../shared/geometry.ts';
import { tensor3, type Tensor3 } from '../../shared/tensor.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { fromTf, toTf } from '../../worker/engine/executor.ts';
import { disposeCache, finalizePartial, getKernel, type KernelOverrides } from '../../worker/engine/kernels/index.ts';
import * as naive from '../support/naive.ts';

const pad = (top: number, bottom = top, left = top, right = left): Pad4 => ({ top, bottom, left, right });
const padName = (p: Pad4): string =>
  p.top === p.bottom && p.top === p.left && p.top === p.right ? `${p.top}` : `t${p.top}b${p.bottom}l${p.left}r${p.right}`;
const base = { id: 7, name: 't', inputs: [INPUT] as number[] };

/** Runs one kernel on host tensors (own cache unless given) and returns the host result. */
export async function runKernel(node: Node, inputs: Tensor3[], w?: NodeWeights, over: KernelOverrides = {}, cache?: Map<string, unknown>): Promise<Tensor3> {
  const own = cache ?? new Map<string, unknown>();
  const xs = inputs.map(toTf);
  const y = tf.tidy(() => getKernel(node.kind).run(node as never, xs, w, { cache: own, ...over }));
  try {
    const r = await fromTf(y);
    return tensor3(r.shape, Float32Array.from(r.data));
  } finally {
    for (const x of xs) x.dispose();
    y.dispose();
    if (cache === undefined) disposeCache(own);
  }
}

function sliceChannels(x: Tensor3, c0: number, c1: number): Tensor3 {
  return naive.map(tensor3({ ...x.shape, c: c1 - c0 }), (_v, y, i, k) => naive.at(x, y, i, c0 + k));
}
/** Output-index slice of an [..][outs] array (conv HWIO filters, dense units, per-output vectors). */
function sliceOuts(a: Float32Array, outs: number, o0: number, o1: number): Float32Array {
  return a.filter((_v, i) => i % outs >= o0 && i % outs < o1);
}
/** Input-channel slice of a [positions][cin][outs] array (conv HWIO, or dense rows in HWC order). */
function sliceIns(a: Float32Array, cin: number, outs: number, c0: number, c1: number): Float32Array {
  return a.filter((_v, i) => Math.floor(i / outs) % cin >= c0 && Math.floor(i / outs) % cin < c1);
}
/** Darknet's equal split (prune_filters / prune_channels): ⌊n/parts⌋ each, the last takes the remainder. */
function split(n: number, parts: number): [number, number][] {
  const q = Math.floor(n / parts);
  return Array.from({ length: parts }, (_v, d) => [d * q, d === parts - 1 ? n : (d + 1) * q]);
}
const sum = (ts: Tensor3[]): Tensor3 => naive.map(ts[0]!, (_v, y, i, k) => ts.reduce((s, t) => s + naive.at(t, y, i, k), 0));

function weightsFor(n: number, outs: number, seed: number, bn: boolean): NodeWeights {
  const w: NodeWeights = { kernel: naive.randomArray(n, seed), bias: naive.randomArray(outs, seed + 1) };
  if (bn) Object.assign(w, { bnScale: naive.randomArray(outs, seed + 2, 0.5, 1.5), bnMean: naive.randomArray(outs, seed + 3), bnVariance: naive.randomArray(outs, seed + 4, 0.1, 1) });
  return w;
}
const bnOf = (w: NodeWeights) => (w.bnScale ? { scale: w.bnScale, mean: w.bnMean!, variance: w.bnVariance! } : undefined);

interface ConvCase { k: [number, number]; s: [number, number]; p: Pad4; d: [number, number]; g: number; x: [number, number, number]; f: number; bn?: boolean; act?: Activation }

function convSetup(c: ConvCase, seed: number) {
  const [h, w, cin] = c.x;
  const out = { h: windowOutSize(h, c.k[0], c.s[0], c.d[0], c.p.top, c.p.bottom), w: windowOutSize(w, c.k[1], c.s[1], c.d[1], c.p.left, c.p.right), c: c.f };
  const node: Conv2dNode = { ...base, kind: 'conv2d', out, size: c.k, stride: c.s, dilation: c.d, pad: c.p, groups: c.g, filters: c.f, batchNorm: !!c.bn, activation: c.act ?? 'linear' };
  const weights = weightsFor(c.k[0] * c.k[1] * (cin / c.g) * c.f, c.f, seed, !!c.bn);
  const x = naive.randomTensor(h, w, cin, seed + 10);
  const spec = { size: c.k, stride: c.s, dilation: c.d, pad: c.p, groups: c.g, kernel: weights.kernel!, bias: weights.bias, bn: bnOf(weights), activation: node.activation };
  const name = `conv k=${c.k.join('x')} s=${c.s.join('x')} p=${padName(c.p)} d=${c.d.join('x')} g=${c.g} ${c.x.join('x')}→${out.h}x${out.w}x${c.f}` +
    `${c.bn ? ' bn' : ''}${c.act ? ` ${c.act}` : ''}`;
  return { node, weights, x, spec, name };
}

const CONV: ConvCase[] = [
  { k: [3, 3], s: [1, 1], p: pad(1), d: [1, 1], g: 1, x: [9, 7, 5], f: 4 },
  { k: [3, 3], s: [2, 2], p: pad(1), d: [1, 1], g: 1, x: [9, 7, 5], f: 6, act: 'leaky' },
  { k: [1, 1], s: [1, 1], p: pad(0), d: [1, 1], g: 1, x: [5, 6, 7], f: 3 },
  { k: [5, 5], s: [1, 1], p: pad(2), d: [1, 1], g: 1, x: [8, 9, 3], f: 4, act: 'relu' },
  { k: [3, 3], s: [2, 2], p: pad(0), d: [1, 1], g: 1, x: [11, 10, 3], f: 5 },
  { k: [3, 3], s: [2, 2], p: pad(0, 1, 0, 1), d: [1, 1], g: 1, x: [10, 8, 4], f: 3, act: 'relu6' },
  { k: [2, 2], s: [1, 1], p: pad(0, 1, 1, 0), d: [1, 1], g: 1, x: [7, 7, 3], f: 2 },
  { k: [3, 3], s: [1, 1], p: pad(2), d: [2, 2], g: 1, x: [9, 8, 3], f: 4, act: 'logistic' },
  { k: [3, 3], s: [2, 2], p: pad(2, 1, 2, 2), d: [2, 2], g: 1, x: [11, 9, 3], f: 4 },
  { k: [3, 3], s: [1, 1], p: pad(1), d: [1, 1], g: 2, x: [7, 6, 6], f: 4, act: 'mish' },
  { k: [3, 3], s: [1, 1], p: pad(1), d: [1, 1], g: 6, x: [7, 6, 6], f: 6, act: 'swish' },
  { k: [3, 3], s: [2, 2], p: pad(0, 1, 0, 1), d: [1, 1], g: 4, x: [9, 8, 4], f: 8, bn: true, act: 'relu6' },
  { k: [3, 3], s: [1, 1], p: pad(2, 2, 2, 1), d: [2, 2], g: 5, x: [8, 9, 5], f: 5 },
  { k: [3, 3], s: [1, 1], p: pad(1), d: [1, 1], g: 1, x: [9, 7, 5], f: 4, bn: true, act: 'leaky' },
  { k: [1, 1], s: [1, 1], p: pad(0), d: [1, 1], g: 1, x: [6, 5, 8], f: 7, bn: true, act: 'hardswish' },
];

describe('engine kernels (wasm)', () => {
  before(async () => { await initBackend('wasm'); });

  describe('conv2d vs naive', () => {
    CONV.forEach((c, i) => {
      const { node, weights, x, spec, name } = convSetup(c, 100 + i * 20);
      it(name, async () => naive.expectClose(await runKernel(node, [x], weights), naive.conv2d(x, spec)));
    });

    it('conv k=3x3 p=1 without bias equals bias 0', async () => {
      const { node, weights, x, spec } = convSetup(CONV[0]!, 3);
      naive.expectClose(await runKernel(node, [x], { kernel: weights.kernel }), naive.conv2d(x, { ...spec, bias: undefined }));
    });

    it('rejects a kernel whose length does not fit the input channels, naming conv2d', async () => {
      const { node, weights } = convSetup(CONV[0]!, 3);
      await assert.rejects(runKernel(node, [naive.randomTensor(9, 7, 7, 1)], weights), /conv2d: kernel length 180 .* 3·3·7/);
    });
  });

  describe('weight partitioning (PAPER §3.1)', () => {
    const lip: ConvCase = { k: [3, 3], s: [1, 1], p: pad(1), d: [1, 1], g: 1, x: [7, 6, 13], f: 5, bn: true, act: 'leaky' };
    it('conv LIP k=3x3 p=1 7x6x13→7x6x5 bn leaky: 3 input-channel slices summed + finalizePartial = full', async () => {
      const { node, weights, x, spec } = convSetup(lip, 11);
      const parts = await Promise.all(split(13, 3).map(([c0, c1]) => runKernel(node, [sliceChannels(x, c0, c1)],
        { kernel: sliceIns(weights.kernel!, 13, 5, c0, c1) }, { partial: true })));
      const s = toTf(sum(parts));
      const y = finalizePartial(node, s, weights);
      naive.expectClose(await fromTf(y), naive.conv2d(x, spec));
      s.dispose(); y.dispose();
    });

    it('conv LOP k=3x3 s=2 p=1 9x8x4→5x4x7 bn mish: concat of 3 filter slices = full', async () => {
      const { node, weights, x, spec } = convSetup({ ...lip, s: [2, 2], x: [9, 8, 4], f: 7, act: 'mish' }, 12);
      const parts = await Promise.all(split(7, 3).map(([f0, f1]) => runKernel(node, [x], {
        kernel: sliceOuts(weights.kernel!, 7, f0, f1), bias: weights.bias!.slice(f0, f1), bnScale: weights.bnScale!.slice(f0, f1),
        bnMean: weights.bnMean!.slice(f0, f1), bnVariance: weights.bnVariance!.slice(f0, f1),
      })));
      naive.expectClose(naive.concat(parts), naive.conv2d(x, spec));
    });

    it('depthwise LOP k=3x3 p=1 g=6 7x6x6: channel slices with groups override = full', async () => {
      const { node, weights, x, spec } = convSetup(CONV[10]!, 13);
      const parts = await Promise.all(split(6, 3).map(([c0, c1]) => runKernel(node, [sliceChannels(x, c0, c1)],
        { kernel: sliceOuts(weights.kernel!, 6, c0, c1), bias: weights.bias!.slice(c0, c1) }, { groups: c1 - c0 })));
      naive.expectClose(naive.concat(parts), naive.conv2d(x, spec));
    });

    const denseSetup = (bn: boolean, act: Activation) => {
      const x = naive.randomTensor(3, 2, 10, 21);
      const node: DenseNode = { ...base, kind: 'dense', out: { h: 1, w: 1, c: 9 }, units: 9, batchNorm: bn, activation: act };
      const weights = weightsFor(60 * 9, 9, 22, bn);
      return { x, node, weights, want: naive.dense(x, weights.kernel!, { bias: weights.bias, bn: bnOf(weights), activation: act }) };
    };
    it('dense 3x2x10→1x1x9 and with bn leaky', async () => {
      for (const bn of [false, true]) {
        const { x, node, weights, want } = denseSetup(bn, bn ? 'leaky' : 'linear');
        naive.expectClose(await runKernel(node, [x], weights), want);
      }
    });
    it('dense LIP 3x2x10→1x1x9 bn: 3 channel slices summed + finalizePartial = full', async () => {
      const { x, node, weights, want } = denseSetup(true, 'logistic');
      const parts = await Promise.all(split(10, 3).map(([c0, c1]) => runKernel(node, [sliceChannels(x, c0, c1)],
        { kernel: sliceIns(weights.kernel!, 10, 9, c0, c1) }, { partial: true })));
      const s = toTf(sum(parts));
      const y = finalizePartial(node, s, weights);
      naive.expectClose(await fromTf(y), want);
      s.dispose(); y.dispose();
    });
    it('dense LOP 3x2x10→1x1x9 bn: concat of 3 unit slices = full', async () => {
      const { x, node, weights, want } = denseSetup(true, 'tanh');
      const parts = await Promise.all(split(9, 3).map(([u0, u1]) => runKernel(node, [x], {
        kernel: sliceOuts(weights.kernel!, 9, u0, u1), bias: weights.bias!.slice(u0, u1), bnScale: weights.bnScale!.slice(u0, u1),
        bnMean: weights.bnMean!.slice(u0, u1), bnVariance: weights.bnVariance!.slice(u0, u1),
      })));
      naive.expectClose(naive.concat(parts), want);
    });
  });
});
