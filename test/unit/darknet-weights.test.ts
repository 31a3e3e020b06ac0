import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { loadDarknet, parseDarknet } from '../../shared/model/darknet.ts';
import { readDarknetHeader, readDarknetWeights, writeDarknetWeights, type DarknetHeader } from '../../shared/model/darknet-weights.ts';
import { mulberry32, syntheticWeights } from '../../shared/model/synthetic.ts';
import { modelStats } from '../../shared/model/stats.ts';
import { BN_EPSILON, nodeInputs, type Model, type Node, type Weights } from '../../shared/model/ir.ts';
import { ModelFormatError } from '../../shared/errors.ts';
import { loadModel } from '../../shared/model/load.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIR = fileURLToPath(new URL('../../assets/darknet/', import.meta.url));
const bits = (a?: Float32Array): Uint32Array => new Uint32Array(a!.buffer, a!.byteOffset, a!.length);
/** Byte views (Buffer.from(typedArray) would copy element-wise and truncate). */
const view = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function sameWeights(a: Weights, b: Weights): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [id, w] of a) {
    for (const f of ['kernel', 'bias', 'bnScale', 'bnMean', 'bnVariance'] as const) {
      assert.equal(w[f] === undefined, b.get(id)![f] === undefined, `layer ${id} ${f}`);
      if (w[f]) assert.ok(view(w[f]).equals(view(b.get(id)![f]!)), `layer ${id} ${f} differs`);
    }
  }
}

/** Darknet bytes: header then float32 values (little-endian). */
function darknetFile(header: DarknetHeader, values: number[]): Uint8Array {
  const h = writeDarknetWeights(parseDarknet('[net]\nheight=1\nwidth=1\nchannels=1\n[dropout]\n', 'e.cfg'), new Map(), header);
  const out = new Uint8Array(h.length + 4 * values.length);
  out.set(h);
  new DataView(out.buffer).setUint32(0, header.major, true);
  values.forEach((v, i) => new DataView(out.buffer).setFloat32(h.length + 4 * i, v, true));
  return out;
}

describe('darknet weights', () => {
  it('round trip is bit-exact for yolov2-tiny (size = header + 4·params)', async () => {
    const m = await loadDarknet(DIR + 'yolov2-tiny.cfg');
    const w = syntheticWeights(m);
    const bytes = writeDarknetWeights(m, w);
    assert.equal(bytes.length, 20 + 4 * modelStats(m).params);
    const back = readDarknetWeights(m, bytes, 'tiny.weights');
    sameWeights(w, back);
    assert.ok(view(writeDarknetWeights(m, back)).equals(view(bytes)));
  });

  it('round trip is bit-exact for alexnet at 67x67 (dense sizes follow the input)', async () => {
    const m = await loadDarknet(DIR + 'alexnet.cfg', { inputSize: { h: 67, w: 67 } });
    assert.deepEqual(nodeInputs(m, m.nodes[8]!)[0], { h: 1, w: 1, c: 256 });
    const w = syntheticWeights(m);
    const bytes = writeDarknetWeights(m, w);
    const back = readDarknetWeights(m, bytes);
    sameWeights(w, back);
    assert.ok(view(writeDarknetWeights(m, back)).equals(view(bytes)));
  });

  it('dense: Darknet [out][CHW] becomes IR [HWC][out], BN after the kernel; transposed files too', () => {
    const m = parseDarknet('[net]\nheight=1\nwidth=2\nchannels=3\n[connected]\noutput=2\nbatch_normalize=1\n', 'd.cfg');
    const dk = [0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105]; // value = 100·o + chw, chw = c·2 + x
    const file = darknetFile({ major: 0, minor: 2, revision: 0, seen: 7n }, [-1, -2, ...dk, 9, 8, 7, 6, 5, 4]);
    const w = readDarknetWeights(m, file).get(0)!;
    // HWC rows (x0c0, x0c1, x0c2, x1c0, x1c1, x1c2) = CHW columns 0, 2, 4, 1, 3, 5.
    assert.deepEqual([...w.kernel!], [0, 100, 2, 102, 4, 104, 1, 101, 3, 103, 5, 105]);
    assert.deepEqual([...w.bias!, ...w.bnScale!, ...w.bnMean!, ...w.bnVariance!], [-1, -2, 9, 8, 7, 6, 5, 4]);
    assert.ok(view(writeDarknetWeights(m, new Map([[0, w]]), readDarknetHeader(file).header)).equals(view(file)));
    const tr = [0, 100, 1, 101, 2, 102, 3, 103, 4, 104, 5, 105]; // [CHW][out]
    const transposed = darknetFile({ major: 0, minor: 1001, revision: 0, seen: 7n }, [-1, -2, ...tr, 9, 8, 7, 6, 5, 4]);
    assert.deepEqual([...readDarknetWeights(m, transposed).get(0)!.kernel!], [...w.kernel!]);
  });

  it('conv: Darknet [n][c][kh][kw] becomes HWIO; old header has a 32-bit seen', () => {
    const m = parseDarknet('[net]\nheight=3\nwidth=3\nchannels=2\n[convolutional]\nfilters=2\nsize=2\n', 'c.cfg');
    const dk: number[] = [];
    for (let n = 0; n < 2; n++) for (let c = 0; c < 2; c++) for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) dk.push(1000 * n + 100 * c + 10 * y + x);
    const header = { major: 0, minor: 1, revision: 5, seen: 123n };
    const file = darknetFile(header, [0.5, 0.25, ...dk]);
    assert.deepEqual(readDarknetHeader(file), { header, size: 16 });
    const k = readDarknetWeights(m, file).get(0)!.kernel!;
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let c = 0; c < 2; c++) for (let n = 0; n < 2; n++) {
      assert.equal(k[((y * 2 + x) * 2 + c) * 2 + n], 1000 * n + 100 * c + 10 * y + x);
    }
  });

  it('truncated and oversized files name the file, the layer and the bytes', async () => {
    const m = await loadDarknet(DIR + 'yolov2-tiny.cfg');
    const bytes = writeDarknetWeights(m, syntheticWeights(m));
    const n = bytes.length;
    assert.throws(() => readDarknetWeights(m, bytes.subarray(0, n - 4), 'tiny.weights'), (e: unknown) => e instanceof ModelFormatError &&
      e.message === `darknet-weights: tiny.weights: truncated at layer 14 (14 conv 1x1/1 425): needs ${4 * (425 + 425 * 512)} bytes ` +
        `at offset ${n - 4 * (425 + 425 * 512)}, found ${4 * (425 + 425 * 512) - 4} (file has ${n - 4} bytes, the model needs ${n})`);
    const big = new Uint8Array(n + 8);
    big.set(bytes);
    assert.throws(() => readDarknetWeights(m, big, 'tiny.weights'), (e: unknown) => e instanceof ModelFormatError &&
      e.message === `darknet-weights: tiny.weights: 8 extra bytes after layer 14 (14 conv 1x1/1 425) (file has ${n + 8} bytes, the model needs ${n})`);
    assert.throws(() => readDarknetWeights(m, bytes.subarray(0, 10), 'x.weights'), /x.weights: header needs at least 16 bytes, found 10/);
  });
});

describe('synthetic weights', () => {
  it('are deterministic per model and seed', async () => {
    const m = await loadDarknet(DIR + 'yolov2-tiny.cfg');
    sameWeights(syntheticWeights(m), syntheticWeights(m));
    assert.notDeepEqual(bits(syntheticWeights(m, 1).get(0)!.kernel).slice(0, 8), bits(syntheticWeights(m, 2).get(0)!.kernel).slice(0, 8));
    const std = (k: Float32Array) => Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
    const w = syntheticWeights(m);
    // Layer 0 sees pixels with E[x²] ≈ 0.3: std = sqrt(1/(fan_in·0.3)). Layer 2 (after leaky and a
    // max-pool) is close to He's sqrt(2/fan_in).
    assert.ok(Math.abs(std(w.get(0)!.kernel!) / Math.sqrt(1 / (27 * 0.3)) - 1) < 0.05);
    assert.ok(Math.abs(std(w.get(2)!.kernel!) / Math.sqrt(2 / (9 * 16)) - 1) < 0.25);
    assert.ok(w.get(0)!.bnVariance!.every((v) => v >= 0.9 && v <= 1.1));
  });

  for (const [cfg, size] of [['yolov2.cfg', 128], ['resnet50.cfg', 96]] as const) {
    it(`keep activations O(1) through ${cfg} at ${size}x${size}`, async () => {
      const m = await loadDarknet(DIR + cfg, { inputSize: { h: size, w: size } });
      const rand = mulberry32(42);
      const outs = forward(m, syntheticWeights(m), Float32Array.from({ length: size * size * 3 }, rand));
      for (const n of m.nodes) {
        if (n.kind !== 'conv2d' && n.kind !== 'add') continue;
        const rms = Math.sqrt(outs[n.id]!.reduce((s, v) => s + v * v, 0) / outs[n.id]!.length);
        assert.ok(rms > 0.05 && rms < 20, `${cfg} ${n.name}: rms ${rms}`);
      }
    });
  }
});

describe('loadModel', () => {
  it('cfg alone gives synthetic weights; cfg + .weights reads the file; other extensions are named errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-load-'));
    try {
      const cfg = join(dir, 'small.cfg');
      writeFileSync(cfg, '[net]\nheight=8\nwidth=8\nchannels=3\n[convolutional]\nfilters=4\nsize=3\npad=1\nbatch_normalize=1\n');
      const a = await loadModel(cfg, { inputSize: { h: 6, w: 4 } });
      assert.deepEqual([a.weightsSource, a.model.name, a.model.nodes[0]!.out], ['synthetic', 'small', { h: 6, w: 4, c: 4 }]);
      const file = join(dir, 'small.weights');
      writeFileSync(file, writeDarknetWeights(a.model, a.weights));
      const b = await loadModel(cfg, { weights: file, inputSize: { h: 6, w: 4 } });
      assert.equal(b.weightsSource, 'file');
      sameWeights(a.weights, b.weights);
      await assert.rejects(loadModel(join(dir, 'model.onnx')), { message: `model: ${join(dir, 'model.onnx')}: unsupported model file extension '.onnx' (supported: .cfg, .json)` });
      await assert.rejects(loadModel(join(dir, 'missing.cfg')), /darknet: .*missing.cfg: cannot read cfg/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A naive float32 reference forward (HWC), just enough for the O(1) check: its own test oracle. */
function forward(model: Model, weights: Weights, input: Float32Array): Float32Array[] {
  const outs: Float32Array[] = [];
  for (const n of model.nodes) outs.push(run(model, n, n.inputs.map((i) => (i < 0 ? input : outs[i]!)), weights));
  return outs;
}

function run(model: Model, n: Node, xs: Float32Array[], weights: Weights): Float32Array {
  const s = nodeInputs(model, n)[0]!;
  const o = n.out;
  const y = new Float32Array(o.h * o.w * o.c);
  const leaky = (v: number) => (v > 0 ? v : 0.1 * v);
  if (n.kind === 'conv2d') {
    const w = weights.get(n.id)!;
    const k = w.kernel!;
    for (let oy = 0; oy < o.h; oy++) for (let ox = 0; ox < o.w; ox++) {
      const base = (oy * o.w + ox) * o.c;
      for (let ky = 0; ky < n.size[0]; ky++) for (let kx = 0; kx < n.size[1]; kx++) {
        const iy = oy * n.stride[0] - n.pad.top + ky;
        const ix = ox * n.stride[1] - n.pad.left + kx;
        if (iy < 0 || ix < 0 || iy >= s.h || ix >= s.w) continue;
        for (let ci = 0; ci < s.c; ci++) {
          const v = xs[0]![(iy * s.w + ix) * s.c + ci]!;
          const kb = ((ky * n.size[1] + kx) * s.c + ci) * o.c;
          for (let co = 0; co < o.c; co++) y[base + co] += v * k[kb + co]!;
        }
      }
      for (let co = 0; co < o.c; co++) {
        let v = y[base + co]!;
        if (n.batchNorm) v = (w.bnScale![co]! * (v - w.bnMean![co]!)) / (Math.sqrt(w.bnVariance![co]!) + BN_EPSILON);
        v += w.bias![co]!;
        y[base + co] = n.activation === 'leaky' ? leaky(v) : n.activation === 'linear' ? v : NaN;
      }
    }
  } else if (n.kind === 'maxpool') {
    y.fill(-Infinity);
    for (let i = 0; i < y.length; i++) {
      const [c, p] = [i % o.c, Math.floor(i / o.c)];
      for (let ky = 0; ky < n.size[0]; ky++) for (let kx = 0; kx < n.size[1]; kx++) {
        const iy = Math.floor(p / o.w) * n.stride[0] - n.pad.top + ky;
        const ix = (p % o.w) * n.stride[1] - n.pad.left + kx;
        if (iy >= 0 && ix >= 0 && iy < s.h && ix < s.w) y[i] = Math.max(y[i]!, xs[0]![(iy * s.w + ix) * s.c + c]!);
      }
    }
  } else if (n.kind === 'add') {
    const t = nodeInputs(model, n)[1]!;
    const st = n.shortcutStride ?? 1;
    for (let i = 0; i < y.length; i++) {
      const [c, p] = [i % o.c, Math.floor(i / o.c)];
      const j = ((Math.floor(p / o.w) * st) * t.w + (p % o.w) * st) * t.c + c;
      y[i] = leaky(xs[0]![i]! + (c < t.c ? xs[1]![j]! : 0));
    }
  } else if (n.kind === 'concat') {
    const cs = nodeInputs(model, n).map((x) => x.c);
    for (let p = 0, i = 0; p < o.h * o.w; p++) xs.forEach((x, k) => { for (let c = 0; c < cs[k]!; c++) y[i++] = x[p * cs[k]! + c]!; });
  } else if (n.kind === 'reorg') {
    y.set(xs[0]!); // any channel/space permutation keeps the statistics this test looks at
  } else if (n.kind === 'avgpool') {
    for (let i = 0; i < xs[0]!.length; i++) y[i % o.c] += xs[0]![i]! / (s.h * s.w);
  } else {
    y.set(xs[0]!); // softmax, region: not measured
  }
  return y;
}
