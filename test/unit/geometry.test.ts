import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  bilinearSpan, inputRegions, reorgSource, unionRegion, windowOutSize, windowSpan, EMPTY_REGION, NO_PAD,
} from '../../shared/geometry.ts';
import { INPUT, type Node, type Pad4, type Shape3 } from '../../shared/model/ir.ts';
import type { Region } from '../../shared/tensor.ts';
import { mulberry32 } from '../../shared/model/synthetic.ts';

tf.env().set('IS_TEST', true); // silences the tfjs-node advert; the cpu backend is all this file needs

const R = (y0: number, y1: number, x0: number, x1: number): Region => ({ y0, y1, x0, x1 });
const S = (h: number, w: number, c = 4): Shape3 => ({ h, w, c });
const P = (top: number, bottom: number, left: number, right: number): Pad4 => ({ top, bottom, left, right });

function conv(inp: Shape3, k: number, s: number, pad: Pad4, d = 1): Node {
  const out = S(windowOutSize(inp.h, k, s, d, pad.top, pad.bottom), windowOutSize(inp.w, k, s, d, pad.left, pad.right), 8);
  return { id: 0, name: 'conv', kind: 'conv2d', inputs: [INPUT], out, size: [k, k], stride: [s, s], dilation: [d, d], pad,
    groups: 1, filters: 8, batchNorm: false, activation: 'linear' };
}
function pool(inp: Shape3, kind: 'maxpool' | 'avgpool', k: number, s: number, pad: Pad4, global = false): Node {
  const out = global ? S(1, 1, inp.c) : S(windowOutSize(inp.h, k, s, 1, pad.top, pad.bottom), windowOutSize(inp.w, k, s, 1, pad.left, pad.right), inp.c);
  return { id: 0, name: kind, kind, inputs: [INPUT], out, global, size: [k, k], stride: [s, s], pad };
}
function simple(kind: 'add' | 'concat' | 'mul' | 'softmax' | 'identity', out: Shape3, inputs = 1): Node {
  const base = { id: 3, name: kind, inputs: Array<number>(inputs).fill(INPUT), out };
  if (kind === 'add') return { ...base, kind, activation: 'linear' };
  if (kind === 'concat') return { ...base, kind, groups: 1, groupId: 0 };
  if (kind === 'softmax') return { ...base, kind, temperature: 1 };
  return { ...base, kind };
}
function upsample(inp: Shape3, out: Shape3, mode: 'nearest' | 'bilinear', stride: number, alignCorners = false, halfPixelCenters = false): Node {
  return { id: 0, name: 'up', kind: 'upsample', inputs: [INPUT], out, stride, mode, scale: 1, alignCorners, halfPixelCenters };
}
function reorg(inp: Shape3, s: number): Node {
  return { id: 0, name: 'reorg', kind: 'reorg', inputs: [INPUT], out: S(inp.h / s, inp.w / s, inp.c * s * s), stride: s };
}

describe('geometry: window rule (PAPER §2.3)', () => {
  // [name, input, node, out region, expected input region, expected tile padding]
  const table: Array<[string, Shape3, Node, Region, Region, Pad4]> = [
    ['conv k=3 s=1 p=1 d=1 rows=[0..5) of 10', S(10, 10), conv(S(10, 10), 3, 1, P(1, 1, 1, 1)), R(0, 5, 5, 10), R(0, 6, 4, 10), P(1, 0, 0, 1)],
    ['conv k=3 s=2 p=1 d=1 rows=[0..12) of 24', S(24, 24), conv(S(24, 24), 3, 2, P(1, 1, 1, 1)), R(0, 12, 3, 7), R(0, 24, 5, 14), P(1, 0, 0, 0)],
    ['conv k=11 s=4 p=0 d=1 rows=[2..5) (AlexNet conv1)', S(227, 227, 3), conv(S(227, 227, 3), 11, 4, P(0, 0, 0, 0)), R(2, 5, 0, 55), R(8, 27, 0, 227), NO_PAD],
    ['conv k=3 s=1 p=2 d=2 rows=[3..4)', S(9, 9), conv(S(9, 9), 3, 1, P(2, 2, 2, 2), 2), R(3, 4, 0, 1), R(1, 6, 0, 3), P(0, 0, 2, 0)],
    ['conv k=3 s=2 p=1+1 (TF SAME) n=7 rows=[3..4) (bottom pad used)', S(7, 7), conv(S(7, 7), 3, 2, P(1, 1, 1, 1)), R(3, 4, 3, 4), R(5, 7, 5, 7), P(0, 1, 0, 1)],
    ['conv k=3 s=2 p=1 n=8 rows=[3..4) (bottom pad unused)', S(8, 8), conv(S(8, 8), 3, 2, P(1, 1, 1, 1)), R(3, 4, 0, 1), R(5, 8, 0, 2), P(0, 0, 1, 0)],
    ['conv k=1 s=1 p=2 rows=[0..1) (window wholly in padding)', S(4, 4), conv(S(4, 4), 1, 1, P(2, 2, 2, 2)), R(0, 1, 1, 3), R(0, 0, 0, 1), P(1, 0, 1, 0)],
    ['maxpool k=2 s=1 darknet pad 0+1 rows=[10..13) of 13', S(13, 13), pool(S(13, 13), 'maxpool', 2, 1, P(0, 1, 0, 1)), R(10, 13, 0, 2), R(10, 13, 0, 3), P(0, 1, 0, 0)],
    ['maxpool k=3 s=2 p=0 rows=[1..3) (AlexNet pool)', S(55, 55), pool(S(55, 55), 'maxpool', 3, 2, P(0, 0, 0, 0)), R(1, 3, 26, 27), R(2, 7, 52, 55), NO_PAD],
    ['avgpool k=3 s=3 p=1 rows=[0..2)', S(8, 8), pool(S(8, 8), 'avgpool', 3, 3, P(1, 1, 1, 1)), R(0, 2, 2, 3), R(0, 5, 5, 8), P(1, 0, 0, 0)],
  ];
  for (const [name, inp, node, out, want, pad] of table) {
    it(name, () => {
      const got = inputRegions(node, out, [inp]);
      assert.deepEqual(got.inputs, [want]);
      assert.deepEqual(got.pad, pad);
    });
  }

  it('brute force: random k, s, p, d, map sizes and output spans', () => {
    const rnd = rng(7);
    for (let t = 0; t < 4000; t++) {
      const [k, s, d, pl, ph, n] = [1 + rnd(5), 1 + rnd(3), 1 + rnd(2), rnd(3), rnd(3), 1 + rnd(30)];
      if (n + pl + ph < (k - 1) * d + 1) continue;
      const outN = windowOutSize(n, k, s, d, pl, ph);
      const o0 = rnd(outN), o1 = o0 + 1 + rnd(outN - o0);
      const reads: number[] = [];
      for (let o = o0; o < o1; o++) for (let j = 0; j < k; j++) reads.push(o * s - pl + j * d);
      const lo = Math.min(...reads), hi = Math.max(...reads);
      const got = windowSpan(o0, o1, n, k, s, d, pl);
      const tag = `k=${k} s=${s} d=${d} p=${pl}+${ph} n=${n} rows=[${o0}..${o1})`;
      assert.deepEqual([got.lo, got.hi], hi < 0 ? [0, 0] : lo >= n ? [n, n] : [Math.max(lo, 0), Math.min(hi, n - 1) + 1], tag);
      assert.equal(got.padLo, count(lo, hi, (i) => i < 0), tag);
      assert.equal(got.padHi, count(lo, hi, (i) => i >= n), tag);
      assert.ok(got.padLo <= pl && got.padHi <= ph, tag);
      assert.equal(windowOutSize(got.hi - got.lo + got.padLo + got.padHi, k, s, d, 0, 0), o1 - o0, tag);
    }
  });
});

describe('geometry: whole-map, per-pixel and join rules', () => {
  it('global avgpool and dense read the whole map', () => {
    assert.deepEqual(inputRegions(pool(S(7, 5), 'avgpool', 1, 1, NO_PAD, true), R(0, 1, 0, 1), [S(7, 5)]).inputs, [R(0, 7, 0, 5)]);
    const dense: Node = { id: 1, name: 'fc', kind: 'dense', inputs: [INPUT], out: S(1, 1, 10), units: 10, batchNorm: false, activation: 'linear' };
    assert.deepEqual(inputRegions(dense, R(0, 1, 0, 1), [S(6, 6, 2)]), { inputs: [R(0, 6, 0, 6)], pad: NO_PAD });
  });
  it('softmax, identity: same region; add and concat: same region on each input', () => {
    const r = R(1, 3, 2, 5);
    assert.deepEqual(inputRegions(simple('softmax', S(6, 6)), r, [S(6, 6)]).inputs, [r]);
    assert.deepEqual(inputRegions(simple('identity', S(6, 6)), r, [S(6, 6)]).inputs, [r]);
    assert.deepEqual(inputRegions(simple('add', S(6, 6), 2), r, [S(6, 6), S(6, 6)]).inputs, [r, r]);
    assert.deepEqual(inputRegions(simple('concat', S(6, 6, 7), 3), r, [S(6, 6, 2), S(6, 6, 2), S(6, 6, 3)]).inputs, [r, r, r]);
  });
  it('mul with a 1x1xC second input broadcasts it whole', () => {
    assert.deepEqual(inputRegions(simple('mul', S(6, 6), 2), R(1, 3, 2, 5), [S(6, 6), S(1, 1)]).inputs, [R(1, 3, 2, 5), R(0, 1, 0, 1)]);
  });
  it('crop shifts by (top, left)', () => {
    const node: Node = { id: 0, name: 'crop', kind: 'crop', inputs: [INPUT], out: S(224, 224, 3), top: 16, left: 16, scale: 2, shift: -1 };
    assert.deepEqual(inputRegions(node, R(0, 10, 214, 224), [S(256, 256, 3)]).inputs, [R(16, 26, 230, 240)]);
  });
  it('empty output region reads nothing', () => {
    assert.deepEqual(inputRegions(conv(S(8, 8), 3, 1, P(1, 1, 1, 1)), R(3, 3, 0, 8), [S(8, 8)]), { inputs: [EMPTY_REGION], pad: NO_PAD });
  });
  it('errors name the node and the values', () => {
    assert.throws(() => inputRegions(conv(S(8, 8), 3, 1, P(1, 1, 1, 1)), R(0, 9, 0, 1), [S(8, 8)]), /geometry: node 0 \(conv2d\) output rows \[0\.\.9\) cols \[0\.\.1\) exceeds its 8x8 map/);
    assert.throws(() => inputRegions(simple('add', S(6, 6), 2), R(0, 6, 0, 6), [S(6, 6), S(5, 6)]), /node 3 \(add\) input 1 needs rows \[0\.\.6\).*beyond its 5x6 map/);
    assert.throws(() => inputRegions(reorg(S(6, 6, 4), 2), R(0, 1, 0, 1), [S(6, 6, 3)]), /reorg\) stride 2 does not divide its 6x6x3 input/);
  });
  it('unionRegion ignores empty regions', () => {
    assert.deepEqual(unionRegion(EMPTY_REGION, R(2, 3, 4, 5)), R(2, 3, 4, 5));
    assert.deepEqual(unionRegion(R(0, 2, 5, 6), R(2, 3, 4, 5)), R(0, 3, 4, 6));
  });
});

describe('geometry: upsample', () => {
  // The reads are checked against the cpu kernel's formulas; wasm may touch zero-weight rows too.
  let previous = '';
  before(async () => { previous = tf.getBackend() ?? ''; await tf.setBackend('cpu'); });
  after(async () => { if (previous) await tf.setBackend(previous); });
  const table: Array<[string, number, number, Region, Region]> = [
    ['nearest s=2 rows=[0..1)', 2, 13, R(0, 1, 25, 26), R(0, 1, 12, 13)],
    ['nearest s=2 rows=[3..9)', 2, 13, R(3, 9, 0, 26), R(1, 5, 0, 13)],
    ['nearest s=3 rows=[5..7)', 3, 4, R(5, 7, 11, 12), R(1, 3, 3, 4)],
  ];
  for (const [name, s, n, out, want] of table) {
    it(name, () => assert.deepEqual(inputRegions(upsample(S(n, n), S(n * s, n * s), 'nearest', s), out, [S(n, n)]).inputs, [want]));
  }

  // Exact reads of tfjs resizeBilinear: a NaN in input row r poisons every output that reads row r, even with weight 0.
  for (const [nIn, nOut, ac, hp] of [[5, 10, false, false], [5, 10, false, true], [5, 10, true, false], [7, 3, false, true], [7, 3, true, false], [6, 13, false, false], [1, 4, true, false], [4, 1, true, false]] as const) {
    it(`bilinear ${nIn}->${nOut} alignCorners=${ac} halfPixelCenters=${hp} matches tfjs reads`, () => {
      const reads = Array.from({ length: nOut }, () => [] as number[]);
      for (let r = 0; r < nIn; r++) {
        const img = new Float32Array(nIn).fill(1);
        img[r] = NaN;
        const res = tf.image.resizeBilinear(tf.tensor4d(img, [1, nIn, 1, 1]), [nOut, 1], ac, hp).dataSync();
        res.forEach((v, o) => Number.isNaN(v) && reads[o].push(r));
      }
      for (let o0 = 0; o0 < nOut; o0++) {
        for (let o1 = o0 + 1; o1 <= nOut; o1++) {
          const all = reads.slice(o0, o1).flat();
          assert.deepEqual(bilinearSpan(o0, o1, nIn, nOut, ac, hp), [Math.min(...all), Math.max(...all) + 1], `rows [${o0}..${o1})`);
        }
      }
      const node = upsample(S(nIn, nIn), S(nOut, nOut), 'bilinear', 2, ac, hp);
      assert.deepEqual(inputRegions(node, R(0, nOut, nOut - 1, nOut), [S(nIn, nIn)]).inputs[0], R(...bilinearSpan(0, nOut, nIn, nOut, ac, hp), ...bilinearSpan(nOut - 1, nOut, nIn, nOut, ac, hp)));
    });
  }
});

describe('geometry: Darknet reorg', () => {
  /** Literal transcription of darknet reorg_cpu(x, w, h, c, batch=1, stride, forward=0, out). */
  function reorgCpu(x: Float32Array, w: number, h: number, c: number, stride: number): Float32Array {
    const out = new Float32Array(x.length), outC = c / (stride * stride);
    for (let k = 0; k < c; k++) for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) {
      const inIndex = i + w * (j + h * k);
      const c2 = k % outC, offset = Math.floor(k / outC);
      const w2 = i * stride + (offset % stride), h2 = j * stride + Math.floor(offset / stride);
      out[inIndex] = x[w2 + w * stride * (h2 + h * stride * c2)];
    }
    return out;
  }
  for (const [h, w, c, s] of [[4, 4, 4, 2], [38, 38, 64, 2], [6, 4, 8, 2], [6, 9, 9, 3]] as const) {
    const inp = S(h, w, c), node = reorg(inp, s), o = node.out;
    const x = Float32Array.from({ length: h * w * c }, (_, i) => i); // CHW, value = own index
    const y = reorgCpu(x, w, h, c, s); // read as CHW (c·s², h/s, w/s)
    it(`reorg ${h}x${w}x${c} s=${s}: reorgSource matches reorg_cpu for every element`, () => {
      for (let oc = 0; oc < o.c; oc++) for (let oy = 0; oy < o.h; oy++) for (let ox = 0; ox < o.w; ox++) {
        const [sc, sy, sx] = reorgSource(inp, s, oc, oy, ox);
        assert.equal(y[ox + o.w * (oy + o.h * oc)], sx + w * (sy + h * sc));
      }
    });
    it(`reorg ${h}x${w}x${c} s=${s}: exact bounding boxes of random regions`, () => {
      const rnd = rng(h * 100 + c);
      for (let t = 0; t < 40; t++) {
        const y0 = rnd(o.h), y1 = y0 + 1 + rnd(Math.min(3, o.h - y0)), x0 = rnd(o.w), x1 = x0 + 1 + rnd(Math.min(3, o.w - x0));
        const rows: number[] = [], cols: number[] = [];
        for (let oc = 0; oc < o.c; oc++) for (let oy = y0; oy < y1; oy++) for (let ox = x0; ox < x1; ox++) {
          const src = y[ox + o.w * (oy + o.h * oc)];
          rows.push(Math.floor(src / w) % h); cols.push(src % w);
        }
        const want = R(Math.min(...rows), Math.max(...rows) + 1, Math.min(...cols), Math.max(...cols) + 1);
        assert.deepEqual(inputRegions(node, R(y0, y1, x0, x1), [inp]).inputs, [want], `rows [${y0}..${y1}) cols [${x0}..${x1})`);
      }
    });
  }
});

function count(lo: number, hi: number, pred: (i: number) => boolean): number {
  let n = 0;
  for (let i = lo; i <= hi; i++) if (pred(i)) n++;
  return n;
}

/** Seeded integer generator in [0, n). */
function rng(seed: number): (n: number) => number {
  const r = mulberry32(seed);
  return (n) => Math.floor(r() * n);
}
