/**
 * Batch norm: Darknet models follow the reference C code (src/blas.c normalize_cpu divides by
 * `sqrt(variance) + .000001f`), TF.js models keep TF's γ/√(σ² + ε) folded at import. The two agree
 * for ordinary variances and part for dead channels, so the cases are σ² = 0, 1e-6 and 1.
 */
import { strict as assert } from 'node:assert';
import { INPUT, type Conv2dNode } from '../../shared/model/ir.ts';
import { tensor3 } from '../../shared/tensor.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { runReference } from '../../worker/engine/executor.ts';
import { bnScale } from '../../worker/engine/kernels/fold.ts';
import { importGraph } from '../../shared/model/tfjs-graph.ts';
import { parseGraph } from '../../shared/model/tfjs-graph-parse.ts';
import { decodeWeights } from '../../shared/model/tfjs-graph-weights.ts';
import { A, GraphFixture } from '../support/tfjs-graph-fixture.ts';
import { fromTf, toTf } from '../../worker/engine/executor.ts';
import { disposeCache, getKernel } from '../../worker/engine/kernels/index.ts';
import * as tf from '@tensorflow/tfjs-core';

const VARIANCES = [0, 1e-6, 1];
/** Darknet normalize_cpu, in double as the C promotes it. */
const darknet = (x: number, gamma: number, mean: number, v: number) => (gamma * (x - mean)) / (Math.sqrt(v) + 1e-6);
/** TF FusedBatchNorm. */
const tfBn = (x: number, gamma: number, beta: number, mean: number, v: number, eps: number) => (gamma * (x - mean)) / Math.sqrt(v + eps) + beta;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('batch norm: Darknet sqrt(var) + 1e-6, TF sqrt(var + eps)', function () {
  this.timeout(60_000);
  before(() => initBackend('wasm'));

  it('bnScale is γ/(√σ² + 1e-6) for σ² = 0, 1e-6, 1', () => {
    const s = bnScale('t', { bnScale: new Float32Array([2, 2, 2]), bnVariance: Float32Array.from(VARIANCES) }, 3, true)!;
    assert.ok(rel(s[0]!, 2 / 1e-6) < 1e-6, `σ²=0: ${s[0]} (TF's formula would give ${2 / Math.sqrt(1e-6)})`);
    assert.ok(rel(s[1]!, 2 / (1e-3 + 1e-6)) < 1e-6, `σ²=1e-6: ${s[1]} (TF's formula would give ${2 / Math.sqrt(2e-6)})`);
    assert.ok(rel(s[2]!, 2 / (1 + 1e-6)) < 1e-6, `σ²=1: ${s[2]}`);
  });

  it('conv k=1x1 bn on a Darknet-style node matches normalize_cpu for σ² = 0, 1e-6, 1', async () => {
    const node: Conv2dNode = {
      id: 0, name: 'c', kind: 'conv2d', inputs: [INPUT], out: { h: 1, w: 2, c: 3 }, size: [1, 1], stride: [1, 1], dilation: [1, 1],
      pad: { top: 0, bottom: 0, left: 0, right: 0 }, groups: 1, filters: 3, batchNorm: true, activation: 'linear',
    };
    // One input channel, kernel 1 per filter: the conv output is x itself, so BN is all that acts.
    const w = { kernel: new Float32Array([1, 1, 1]), bias: new Float32Array([0.5, 0.5, 0.5]), bnScale: new Float32Array([1, 1, 1]),
      bnMean: new Float32Array([0.25, 0.25, 0.25]), bnVariance: Float32Array.from(VARIANCES) };
    const cache = new Map<string, unknown>();
    const xin = toTf(tensor3({ h: 1, w: 2, c: 1 }, new Float32Array([0.25 + 1e-3, 0.75])));
    const out = tf.tidy(() => getKernel('conv2d').run(node as never, [xin], w, { cache }));
    const y = await fromTf(out);
    xin.dispose(); out.dispose(); disposeCache(cache);
    for (const [px, x] of [[0, 0.25 + 1e-3], [1, 0.75]] as const) {
      VARIANCES.forEach((v, f) => {
        const want = darknet(x, 1, 0.25, v) + 0.5;
        assert.ok(rel(y.data[px * 3 + f]!, want) < 1e-4, `x=${x} σ²=${v}: ${y.data[px * 3 + f]} vs ${want}`);
      });
    }
  });

  it('a TF.js FusedBatchNorm conv keeps γ/√(σ² + ε) for σ² = 0, 1e-6, 1', async () => {
    const g = new GraphFixture();
    const x = g.input('images', [1, 1, 1, 1]);
    const eps = 1e-3;
    const args = [g.const('w', [1, 1, 1, 3], [1, 1, 1]), g.const('gamma', [3], [1, 1, 1]), g.const('beta', [3], [0.5, 0.5, 0.5]),
      g.const('mean', [3], [0.25, 0.25, 0.25]), g.const('var', [3], VARIANCES)];
    g.op('out', '_FusedConv2D', [x, ...args], {
      strides: A.ints([1, 1, 1, 1]), padding: A.s('VALID'), data_format: A.s('NHWC'), dilations: A.ints([1, 1, 1, 1]),
      fused_ops: A.strs(['FusedBatchNorm']), num_args: A.i(4), epsilon: A.f(eps),
    });
    g.output('out');
    const json = g.json();
    const { model, weights } = importGraph(parseGraph(json, 'bn.json'), decodeWeights(json.weightsManifest, [g.weightBytes()], 'bn.json'), { name: 'bn', file: 'bn.json' }, json);
    const outs = await runReference(model, weights, tensor3(model.input, new Float32Array([0.75])));
    const y = outs.get(model.outputs[0]!)!.data;
    VARIANCES.forEach((v, f) => {
      const want = tfBn(0.75, 1, 0.5, 0.25, v, eps);
      assert.ok(rel(y[f]!, want) < 1e-5, `σ²=${v}: ${y[f]} vs TF ${want} (Darknet's would be ${darknet(0.75, 1, 0.25, v) + 0.5})`);
    });
  });
});
