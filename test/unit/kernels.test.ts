/** Every kernel against the naive loops of test/support/naive.ts; case names spell the geometry. */
import * as tf from '@tensorflow/tfjs-core';
import { strict as assert } from 'node:assert';
import {
  INPUT, type Activation, type Conv2dNode, type DenseNode, type Node, type NodeWeights, type Pad4, type PoolNode, type Shape3,
} from '../../shared/model/ir.ts';
import { windowOutSize } from '../../shared/geometry.ts';
import { tensor3, type Tensor3 } from '../../shared/tensor.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { fromTf, toTf } from '../../worker/engine/executor.ts';
import { disposeCache, finalizePartial, getKernel, type KernelOverrides } from '../../worker/engine/kernels/index.ts';
import * as naive from '../support/naive.ts';
import { finishOn, runKernelOn } from '../support/engine-kernel.ts';
import type { Engine } from '../../worker/engine/engine.ts';
import { ortEngine } from '../../worker/engine/ort/engine.ts';

const pad = (top: number, bottom = top, left = top, right = left): Pad4 => ({ top, bottom, left, right });
const padName = (p: Pad4): string =>
  p.top === p.bottom && p.top === p.left && p.top === p.right ? `${p.top}` : `t${p.top}b${p.bottom}l${p.left}r${p.right}`;
const base = { id: 7, name: 't', inputs: [INPUT] as number[] };

/** Runs one kernel on host tensors (own cache unless given) and returns the host result. */
let engine: Engine | undefined;

/** The kernel on tfjs directly, or (under the ORT suite) as a one-step program on ORT with tfjs's output shape. */
export async function runKernel(node: Node, inputs: Tensor3[], w?: NodeWeights, over: KernelOverrides = {}, cache?: Map<string, unknown>): Promise<Tensor3> {
  const y = await runKernelTfjs(node, inputs, w, over, cache);
  return engine === undefined ? y : runKernelOn(engine, node, inputs, w, over, y.shape);
}

async function finalize(node: Conv2dNode | DenseNode, s: Tensor3, w: NodeWeights): Promise<Tensor3> {
  if (engine !== undefined) return finishOn(engine, node, s, w);
  const t = toTf(s), y = finalizePartial(node, t, w);
  try { return await fromTf(y); } finally { t.dispose(); y.dispose(); }
}

async function runKernelTfjs(node: Node, inputs: Tensor3[], w?: NodeWeights, over: KernelOverrides = {}, cache?: Map<string, unknown>): Promise<Tensor3> {
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
  if (bn) Object.assign(w, naive.randomBn(outs, seed + 2));
  return w;
}
const bnOf = (w: NodeWeights) => (w.bnScale ? { scale: w.bnScale, mean: w.bnMean!, variance: w.bnVariance! } : undefined);

interface ConvCase {
  k: [number, number]; s: [number, number]; p: Pad4; d: [number, number]; g: number; x: [number, number, number]; f: number;
  bn?: boolean; act?: Activation;
}

function convSetup(c: ConvCase, seed: number) {
  const [h, w, cin] = c.x;
  const out = {
    h: windowOutSize(h, c.k[0], c.s[0], c.d[0], c.p.top, c.p.bottom), w: windowOutSize(w, c.k[1], c.s[1], c.d[1], c.p.left, c.p.right), c: c.f,
  };
  const node: Conv2dNode = {
    ...base, kind: 'conv2d', out, size: c.k, stride: c.s, dilation: c.d, pad: c.p, groups: c.g, filters: c.f,
    batchNorm: !!c.bn, activation: c.act ?? 'linear',
  };
  const weights = weightsFor(c.k[0] * c.k[1] * (cin / c.g) * c.f, c.f, seed, !!c.bn);
  const x = naive.randomTensor(h, w, cin, seed + 10);
  const spec = {
    size: c.k, stride: c.s, dilation: c.d, pad: c.p, groups: c.g, kernel: weights.kernel!, bias: weights.bias, bn: bnOf(weights),
    activation: node.activation,
  };
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
  { k: [3, 3], s: [2, 2], p: pad(2), d: [2, 2], g: 3, x: [9, 10, 3], f: 6, act: 'leaky' },
  { k: [3, 3], s: [1, 1], p: pad(1), d: [1, 1], g: 1, x: [9, 7, 5], f: 4, bn: true, act: 'leaky' },
  { k: [1, 1], s: [1, 1], p: pad(0), d: [1, 1], g: 1, x: [6, 5, 8], f: 7, bn: true, act: 'hardswish' },
];

for (const suite of ['tfjs', 'ort'] as const) describe(`engine kernels vs naive on ${suite} (tfjs: wasm, or DEEPERTHINGS_BACKEND)`, () => {
  before(async () => {
    await initBackend('wasm');
    engine = suite === 'ort' ? await ortEngine() : undefined;
  });

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
      naive.expectClose(await finalize(node, sum(parts), weights), naive.conv2d(x, spec));
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
      naive.expectClose(await finalize(node, sum(parts), weights), want);
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

  describe('pooling vs naive', () => {
    const CASES: [PoolNode['kind'], number, number, Pad4, [number, number, number], KernelOverrides?][] = [
      ['maxpool', 2, 2, pad(0), [8, 8, 3]],
      ['maxpool', 2, 1, pad(0, 1, 0, 1), [13, 13, 2]],
      ['maxpool', 3, 2, pad(1), [9, 7, 3]],
      ['maxpool', 3, 2, pad(0), [9, 9, 2]],
      ['maxpool', 1, 2, pad(0), [7, 7, 2]],
      ['maxpool', 5, 1, pad(2), [8, 6, 2]],
      ['maxpool', 3, 2, pad(1), [8, 7, 2], { pad: pad(0, 1, 1, 0) }],
      ['avgpool', 3, 1, pad(1), [7, 6, 3]],
      ['avgpool', 3, 2, pad(0, 1, 0, 1), [8, 7, 2]],
      ['avgpool', 2, 2, pad(0), [8, 8, 3]],
      ['avgpool', 3, 2, pad(1), [8, 7, 2], { pad: pad(1, 0, 0, 1) }],
    ];
    CASES.forEach(([kind, k, st, p0, [h, w, c], over], i) => {
      const p = over?.pad ?? p0;
      const out = { h: windowOutSize(h, k, st, 1, p.top, p.bottom), w: windowOutSize(w, k, st, 1, p.left, p.right), c };
      const node: PoolNode = { ...base, kind, out, global: false, size: [k, k], stride: [st, st], pad: p0 };
      const name = `${kind} k=${k} s=${st} p=${padName(p0)}${over ? ` tile pad ${padName(p)}` : ''} ${h}x${w}x${c}→${out.h}x${out.w}x${c}`;
      it(name, async () => {
        const x = naive.randomTensor(h, w, c, 300 + i);
        const want = naive.pool(x, { kind: kind === 'maxpool' ? 'max' : 'avg', size: [k, k], stride: [st, st], pad: p });
        naive.expectClose(await runKernel(node, [x], undefined, over), want);
      });
    });
    for (const kind of ['maxpool', 'avgpool'] as const) {
      it(`global ${kind} 5x4x3→1x1x3`, async () => {
        const x = naive.randomTensor(5, 4, 3, 9);
        const node: PoolNode = { ...base, kind, out: { h: 1, w: 1, c: 3 }, global: true, size: [1, 1], stride: [1, 1], pad: pad(0) };
        const want = naive.pool(x, { kind: kind === 'maxpool' ? 'max' : 'avg', size: [1, 1], stride: [1, 1], pad: pad(0), global: true });
        naive.expectClose(await runKernel(node, [x]), want);
      });
    }
  });

  describe('elementwise and channel kernels vs naive', () => {
    const node = (kind: Node['kind'], out: Shape3, extra: object = {}): Node => ({ ...base, kind, out, ...extra }) as Node;
    const ACTS: Activation[] = ['linear', 'leaky', 'relu', 'relu6', 'logistic', 'tanh', 'mish', 'swish', 'hardswish', 'hardsigmoid'];
    for (const a of ACTS) {
      it(`activation ${a} 4x3x5 in [-8, 8]`, async () => {
        const x = naive.randomTensor(4, 3, 5, 40, 8);
        naive.expectClose(await runKernel(node('activation', x.shape, { activation: a }), [x]), naive.map(x, (v) => naive.act(v, a)));
      });
    }
    for (const t of [1, 2]) {
      it(`softmax over channels T=${t} 3x2x7`, async () => {
        const x = naive.randomTensor(3, 2, 7, 41, 4);
        naive.expectClose(await runKernel(node('softmax', x.shape, { temperature: t }), [x]), naive.softmax(x, t));
      });
    }
    it('concat 4x3x2 + 4x3x5→4x3x7', async () => {
      const [a, b] = [naive.randomTensor(4, 3, 2, 42), naive.randomTensor(4, 3, 5, 43)];
      naive.expectClose(await runKernel(node('concat', { h: 4, w: 3, c: 7 }, { groups: 1, groupId: 0 }), [a, b]), naive.concat([a, b]));
    });
    it('concat groups=2 id=1 (Darknet route, per input) 4x3x6 + 4x3x4→4x3x5', async () => {
      const [a, b] = [naive.randomTensor(4, 3, 6, 44), naive.randomTensor(4, 3, 4, 45)];
      const got = await runKernel(node('concat', { h: 4, w: 3, c: 5 }, { groups: 2, groupId: 1 }), [a, b]);
      naive.expectClose(got, naive.concat([a, b], 2, 1));
    });
    it('add 2 inputs leaky and 3 inputs linear 5x4x3', async () => {
      const xs = [46, 47, 48].map((sd) => naive.randomTensor(5, 4, 3, sd));
      naive.expectClose(await runKernel(node('add', xs[0]!.shape, { activation: 'leaky' }), xs.slice(0, 2)), naive.add(xs.slice(0, 2), 'leaky'));
      naive.expectClose(await runKernel(node('add', xs[0]!.shape, { activation: 'linear' }), xs), naive.add(xs, 'linear'));
    });
    it('add as Darknet shortcut: 4x4x6 + 8x8x3 (stride 2, fewer channels) and 4x4x2 + 4x4x5', async () => {
      const [a, b] = [naive.randomTensor(4, 4, 6, 52), naive.randomTensor(8, 8, 3, 53)];
      naive.expectClose(await runKernel(node('add', a.shape, { activation: 'leaky', shortcutStride: 2 }), [a, b]), naive.shortcut(a, b, 'leaky'));
      const [c, d] = [naive.randomTensor(4, 4, 2, 54), naive.randomTensor(4, 4, 5, 55)];
      naive.expectClose(await runKernel(node('add', c.shape, { activation: 'linear', shortcutStride: 1 }), [c, d]), naive.shortcut(c, d, 'linear'));
    });
    it('mul 5x4x3 by 1x1x3 (broadcast) and by 5x4x3', async () => {
      const [x, s, f] = [naive.randomTensor(5, 4, 3, 49), naive.randomTensor(1, 1, 3, 50), naive.randomTensor(5, 4, 3, 51)];
      naive.expectClose(await runKernel(node('mul', x.shape), [x, s]), naive.map(x, (v, _y, _i, k) => v * s.data[k]!));
      naive.expectClose(await runKernel(node('mul', x.shape), [x, f]), naive.map(x, (v, y, i, k) => v * naive.at(f, y, i, k)));
    });
    for (const [h, w, c, st] of [[4, 6, 8, 2], [6, 6, 4, 2], [6, 3, 18, 3], [38, 38, 64, 2]] as const) {
      it(`reorg s=${st} ${h}x${w}x${c}→${h / st}x${w / st}x${c * st * st} (Darknet reorg_cpu, forward=0)`, async () => {
        const x = naive.randomTensor(h, w, c, 52);
        const out = { h: h / st, w: w / st, c: c * st * st };
        naive.expectClose(await runKernel(node('reorg', out, { stride: st }), [x]), naive.reorg(x, st), 0);
      });
    }
    for (const [st, scale] of [[2, 1], [3, 0.5]] as const) {
      it(`upsample nearest s=${st} scale=${scale} 3x4x2`, async () => {
        const x = naive.randomTensor(3, 4, 2, 53);
        const n = node('upsample', { h: 3 * st, w: 4 * st, c: 2 }, { stride: st, mode: 'nearest', scale, alignCorners: false, halfPixelCenters: false });
        naive.expectClose(await runKernel(n, [x]), naive.upsampleNearest(x, st, scale));
      });
    }
    for (const [ac, hp] of [[false, false], [false, true], [true, false]] as const) {
      it(`upsample bilinear s=2 alignCorners=${ac} halfPixelCenters=${hp} 3x4x2→6x8x2`, async () => {
        const x = naive.randomTensor(3, 4, 2, 54);
        const n = node('upsample', { h: 6, w: 8, c: 2 }, { stride: 2, mode: 'bilinear', scale: 1, alignCorners: ac, halfPixelCenters: hp });
        naive.expectClose(await runKernel(n, [x]), bilinear(x, 2, ac, hp));
      });
    }
    it('crop 4x3 at (1, 2) of 7x6x2, x·2 − 1', async () => {
      const x = naive.randomTensor(7, 6, 2, 55);
      const got = await runKernel(node('crop', { h: 4, w: 3, c: 2 }, { top: 1, left: 2, scale: 2, shift: -1 }), [x]);
      naive.expectClose(got, naive.map(tensor3({ h: 4, w: 3, c: 2 }), (_v, y, i, k) => naive.at(x, y + 1, i + 2, k) * 2 - 1));
    });
    it('identity 3x3x2', async () => {
      const x = naive.randomTensor(3, 3, 2, 56);
      naive.expectClose(await runKernel(node('identity', x.shape), [x]), x, 0);
    });
    it('region num=2 coords=4 classes=3 3x2x16', async () => {
      const x = naive.randomTensor(3, 2, 16, 57, 4);
      const n = node('region', x.shape, { anchors: [1, 1, 2, 2], classes: 3, num: 2, coords: 4 });
      naive.expectClose(await runKernel(n, [x]), naive.region(x, 2, 4, 3));
    });
    it('yolo mask=[0,1,2] classes=2 3x2x21', async () => {
      const x = naive.randomTensor(3, 2, 21, 58, 4);
      const n = node('yolo', x.shape, { anchors: [1, 1, 2, 2, 3, 3], mask: [0, 1, 2], classes: 2 });
      naive.expectClose(await runKernel(n, [x]), naive.yolo(x, 2));
    });
  });

  if (suite === 'tfjs') describe('weight cache', () => {
    it('reuses uploaded weights across runs, replaces them for a new slice, frees them on dispose', async () => {
      const { node, weights, x, spec } = convSetup(CONV[14]!, 60);
      const cache = new Map<string, unknown>();
      const before = tf.memory().numTensors;
      await runKernel(node, [x], weights, {}, cache);
      const held = tf.memory().numTensors;
      assert.ok(held > before);
      await runKernel(node, [x], weights, {}, cache);
      assert.equal(tf.memory().numTensors, held);
      const other = { ...weights, kernel: weights.kernel!.map((v) => -v) };
      naive.expectClose(await runKernel(node, [x], other, {}, cache), naive.conv2d(x, { ...spec, kernel: other.kernel }));
      assert.equal(tf.memory().numTensors, held);
      disposeCache(cache);
      assert.equal(tf.memory().numTensors, before);
    });
  });
});

/** tf.image.resizeBilinear's sampling (tfjs-backend-cpu ResizeBilinear), by stride s. */
function bilinear(x: Tensor3, s: number, alignCorners: boolean, halfPixel: boolean): Tensor3 {
  const { h, w, c } = x.shape;
  const [oh, ow] = [h * s, w * s];
  const ratio = (n: number, o: number) => (alignCorners && o > 1 ? (n - 1) / (o - 1) : n / o);
  const src = (o: number, r: number, n: number) => {
    const f = halfPixel ? r * (o + 0.5) - 0.5 : r * o;
    const lo = Math.max(0, Math.floor(f));
    return { lo, hi: Math.min(n - 1, Math.ceil(f)), t: f - lo };
  };
  return naive.map(tensor3({ h: oh, w: ow, c }), (_v, y, i, k) => {
    const [sy, sx] = [src(y, ratio(h, oh), h), src(i, ratio(w, ow), w)];
    const top = naive.at(x, sy.lo, sx.lo, k) + (naive.at(x, sy.lo, sx.hi, k) - naive.at(x, sy.lo, sx.lo, k)) * sx.t;
    const bot = naive.at(x, sy.hi, sx.lo, k) + (naive.at(x, sy.hi, sx.hi, k) - naive.at(x, sy.hi, sx.lo, k)) * sx.t;
    return top + (bot - top) * sy.t;
  });
}
