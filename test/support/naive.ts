/**
 * Naive reference kernels for the tests: plain nested loops over HWC Float32Arrays, accumulating in
 * float64, written straight from the definitions (Darknet's C where it defines the semantics) and
 * sharing no code with worker/engine.
 */
import { BN_EPSILON, type Activation, type Pad4 } from '../../shared/model/ir.ts';
import { tensor3, type Tensor3 } from '../../shared/tensor.ts';
import { mulberry32 } from '../../shared/model/synthetic.ts';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const relu6 = (v: number): number => Math.min(6, Math.max(0, v));

export function act(v: number, a: Activation): number {
  switch (a) {
    case 'linear': return v;
    case 'leaky': return v > 0 ? v : 0.1 * v;
    case 'relu': return Math.max(0, v);
    case 'relu6': return relu6(v);
    case 'logistic': return sigmoid(v);
    case 'tanh': return Math.tanh(v);
    case 'mish': return v * Math.tanh(Math.log1p(Math.exp(v)));
    case 'swish': return v * sigmoid(v);
    case 'hardswish': return (v * relu6(v + 3)) / 6;
    case 'hardsigmoid': return relu6(v + 3) / 6;
  }
}

export const at = (t: Tensor3, y: number, x: number, c: number): number => t.data[(y * t.shape.w + x) * t.shape.c + c]!;

function make(h: number, w: number, c: number, f: (y: number, x: number, c: number) => number): Tensor3 {
  const d = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) d[(y * w + x) * c + k] = f(y, x, k);
  return tensor3({ h, w, c }, d);
}

export interface Bn { scale: Float32Array; mean: Float32Array; variance: Float32Array }
export interface Epilogue { bias?: Float32Array; bn?: Bn; activation: Activation; partial?: boolean }

/** Darknet order: y = γ·(x − μ)/(√σ² + ε) + bias, then the activation; a partial sum skips all of it. */
function finish(sum: number, o: number, e: Epilogue): number {
  if (e.partial) return sum;
  let v = sum;
  if (e.bn) v = (e.bn.scale[o]! * (v - e.bn.mean[o]!)) / (Math.sqrt(e.bn.variance[o]!) + BN_EPSILON);
  return act(v + (e.bias?.[o] ?? 0), e.activation);
}

export interface ConvSpec extends Epilogue {
  size: [number, number]; stride: [number, number]; dilation: [number, number]; pad: Pad4; groups: number;
  /** HWIO [kh][kw][cin/groups][filters]. */
  kernel: Float32Array;
}

export function conv2d(x: Tensor3, s: ConvSpec): Tensor3 {
  const { h, w, c } = x.shape;
  const [kh, kw] = s.size, [sh, sw] = s.stride, [dh, dw] = s.dilation;
  const cinPG = c / s.groups, filters = s.kernel.length / (kh * kw * cinPG), fpg = filters / s.groups;
  const oh = Math.floor((h + s.pad.top + s.pad.bottom - ((kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((w + s.pad.left + s.pad.right - ((kw - 1) * dw + 1)) / sw) + 1;
  return make(oh, ow, filters, (oy, ox, f) => {
    const g = Math.floor(f / fpg);
    let sum = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * sh - s.pad.top + ky * dh, ix = ox * sw - s.pad.left + kx * dw;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      for (let ci = 0; ci < cinPG; ci++) sum += at(x, iy, ix, g * cinPG + ci) * s.kernel[((ky * kw + kx) * cinPG + ci) * filters + f]!;
    }
    return finish(sum, f, s);
  });
}

export interface PoolSpec { kind: 'max' | 'avg'; size: [number, number]; stride: [number, number]; pad: Pad4; global?: boolean }

/** Padded cells are skipped: ignored by max, not counted by avg. */
export function pool(x: Tensor3, s: PoolSpec): Tensor3 {
  const { h, w, c } = x.shape;
  const [kh, kw] = s.global ? [h, w] : s.size, [sh, sw] = s.global ? [1, 1] : s.stride;
  const p = s.global ? { top: 0, bottom: 0, left: 0, right: 0 } : s.pad;
  const oh = Math.floor((h + p.top + p.bottom - kh) / sh) + 1, ow = Math.floor((w + p.left + p.right - kw) / sw) + 1;
  return make(oh, ow, c, (oy, ox, k) => {
    let m = -Infinity, sum = 0, n = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * sh - p.top + ky, ix = ox * sw - p.left + kx;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const v = at(x, iy, ix, k);
      m = Math.max(m, v);
      sum += v;
      n++;
    }
    return s.kind === 'max' ? m : sum / n;
  });
}

/** kernel [in][units], input flattened in HWC order; output 1×1×units. */
export function dense(x: Tensor3, kernel: Float32Array, e: Epilogue): Tensor3 {
  const n = x.data.length, units = kernel.length / n;
  return make(1, 1, units, (_y, _x, u) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += x.data[i]! * kernel[i * units + u]!;
    return finish(sum, u, e);
  });
}

export function toChw(x: Tensor3): Float32Array {
  const { h, w, c } = x.shape;
  const d = new Float32Array(h * w * c);
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) d[(k * h + y) * w + i] = at(x, y, i, k);
  return d;
}

export function fromChw(d: Float32Array, h: number, w: number, c: number): Tensor3 {
  return make(h, w, c, (y, x, k) => d[(k * h + y) * w + x]!);
}

/** Darknet src/blas.c reorg_cpu, literally (batch 1), as forward_reorg_layer calls it with the input's w, h, c. */
export function reorgCpu(x: Float32Array, w: number, h: number, c: number, stride: number, forward: boolean, out: Float32Array): void {
  const outC = Math.trunc(c / (stride * stride));
  for (let k = 0; k < c; ++k) for (let j = 0; j < h; ++j) for (let i = 0; i < w; ++i) {
    const inIndex = i + w * (j + h * k);
    const c2 = k % outC, offset = Math.trunc(k / outC);
    const w2 = i * stride + (offset % stride), h2 = j * stride + Math.trunc(offset / stride);
    const outIndex = w2 + w * stride * (h2 + h * stride * c2);
    if (forward) out[outIndex] = x[inIndex]!;
    else out[inIndex] = x[outIndex]!;
  }
}

export function reorg(x: Tensor3, s: number): Tensor3 {
  const { h, w, c } = x.shape;
  const out = new Float32Array(h * w * c);
  reorgCpu(toChw(x), w, h, c, s, false, out);
  return fromChw(out, h / s, w / s, c * s * s);
}

export function upsampleNearest(x: Tensor3, s: number, scale = 1): Tensor3 {
  return make(x.shape.h * s, x.shape.w * s, x.shape.c, (y, i, k) => at(x, Math.floor(y / s), Math.floor(i / s), k) * scale);
}

/** Softmax of entries [from, from + n) of every pixel's channels (all of them by default), others copied. */
export function softmax(x: Tensor3, temperature = 1, from = 0, n = x.shape.c, stridePer = x.shape.c): Tensor3 {
  const out = tensor3(x.shape, Float32Array.from(x.data));
  for (let p = 0; p < x.data.length; p += stridePer) {
    const v = Array.from(x.data.subarray(p + from, p + from + n), (e) => e / temperature);
    const m = Math.max(...v), ex = v.map((e) => Math.exp(e - m)), z = ex.reduce((a, b) => a + b, 0);
    ex.forEach((e, i) => { out.data[p + from + i] = e / z; });
  }
  return out;
}

/** Darknet route: channel group `groupId` of each input, concatenated. */
export function concat(xs: Tensor3[], groups = 1, groupId = 0): Tensor3 {
  const parts = xs.map((x) => ({ x, c0: (x.shape.c / groups) * groupId, n: x.shape.c / groups }));
  const c = parts.reduce((a, p) => a + p.n, 0);
  return make(xs[0]!.shape.h, xs[0]!.shape.w, c, (y, i, k) => {
    for (const p of parts) { if (k < p.n) return at(p.x, y, i, p.c0 + k); k -= p.n; }
    throw new Error('naive concat: channel out of range');
  });
}

export function map(x: Tensor3, f: (v: number, y: number, i: number, c: number) => number): Tensor3 {
  return make(x.shape.h, x.shape.w, x.shape.c, (y, i, k) => f(at(x, y, i, k), y, i, k));
}

export function add(xs: Tensor3[], a: Activation): Tensor3 {
  return map(xs[0]!, (_v, y, i, k) => act(xs.reduce((s, x) => s + at(x, y, i, k), 0), a));
}

/**
 * Darknet shortcut_cpu (src/blas.c), literally, on CHW copies: `out` starts as the previous layer
 * (w2, h2, c2), `add` is the from-layer (w1, h1, c1) read every stride = w1/w2 cells.
 */
export function shortcut(prev: Tensor3, from: Tensor3, a: Activation): Tensor3 {
  const [w1, h1, c1, w2, h2, c2] = [from.shape.w, from.shape.h, from.shape.c, prev.shape.w, prev.shape.h, prev.shape.c];
  const stride = Math.max(1, Math.floor(w1 / w2)), sample = Math.max(1, Math.floor(w2 / w1));
  const chw = (t: Tensor3) => { const o = new Float32Array(t.data.length); for (let y = 0; y < t.shape.h; y++) for (let x = 0; x < t.shape.w; x++) for (let k = 0; k < t.shape.c; k++) o[x + t.shape.w * (y + t.shape.h * k)] = at(t, y, x, k); return o; };
  const out = chw(prev), add = chw(from);
  for (let k = 0; k < Math.min(c1, c2); k++) for (let j = 0; j < Math.min(h1, h2); j++) for (let i = 0; i < Math.min(w1, w2); i++) {
    out[i * sample + w2 * (j * sample + h2 * k)] += add[i * stride + w1 * (j * stride + h1 * k)]!;
  }
  return make(h2, w2, c2, (y, x, k) => act(out[x + w2 * (y + h2 * k)]!, a));
}

/** YOLOv2 region: per anchor, logistic on x, y and objectness (entry coords), softmax over classes. */
export function region(x: Tensor3, num: number, coords: number, classes: number): Tensor3 {
  const per = coords + 1 + classes;
  let out = map(x, (v, _y, _i, k) => (k % per < 2 || k % per === coords ? sigmoid(v) : v));
  for (let n = 0; n < num; n++) out = softmax(out, 1, n * per + coords + 1, classes);
  return out;
}

/** YOLOv3 yolo: per anchor, logistic on every entry but tw, th (entries 2, 3). */
export function yolo(x: Tensor3, classes: number): Tensor3 {
  return map(x, (v, _y, _i, k) => (k % (5 + classes) === 2 || k % (5 + classes) === 3 ? v : sigmoid(v)));
}

/** Seeded uniform floats in [lo, hi), so every case is reproducible. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + r() * (hi - lo));
}

/** Random batch-norm parameters for `outs` outputs (γ in [0.5, 1.5), σ² in [0.1, 1)), in NodeWeights' field names. */
export function randomBn(outs: number, seed: number): { bnScale: Float32Array; bnMean: Float32Array; bnVariance: Float32Array } {
  return { bnScale: randomArray(outs, seed, 0.5, 1.5), bnMean: randomArray(outs, seed + 1), bnVariance: randomArray(outs, seed + 2, 0.1, 1) };
}

export function randomTensor(h: number, w: number, c: number, seed: number, scale = 1): Tensor3 {
  return tensor3({ h, w, c }, randomArray(h * w * c, seed, -scale, scale));
}

/** Throws unless shapes match and max |got − want| ≤ rel · max |want| (tiny absolute floor for all-zero maps). */
export function expectClose(got: Tensor3, want: Tensor3, rel = 1e-5): void {
  const [g, e] = [got.shape, want.shape];
  if (g.h !== e.h || g.w !== e.w || g.c !== e.c) throw new Error(`shape ${g.h}x${g.w}x${g.c}, expected ${e.h}x${e.w}x${e.c}`);
  let scale = 0, worst = 0, where = -1;
  for (let i = 0; i < want.data.length; i++) scale = Math.max(scale, Math.abs(want.data[i]!));
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i]! - want.data[i]!);
    if (!(d <= worst)) [worst, where] = [d, i];
  }
  if (!(worst <= rel * scale + 1e-12)) {
    throw new Error(`max |diff| ${worst} at ${where} (got ${got.data[where]}, want ${want.data[where]}) > ${rel} · ${scale}`);
  }
}
