/** The planner's size table (M_l, K_l, W_l, CONV_l of PAPER §4–§5) read off Darknet models. */
import assert from 'node:assert/strict';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { assetPath } from '../../shared/assets.ts';
import { allLayers, convPart, tailLayers } from '../../planner/layers.ts';
import { solveChain } from '../../planner/optimize/chain-dp.ts';

const load = (name: string) => loadDarknet(assetPath('darknet', `${name}.cfg`));

describe('planner/layers', () => {
  it('yolov2: sizes of conv, pool, route, reorg and region layers', async () => {
    const layers = allLayers(await load('yolov2'));
    assert.equal(layers.length, 32);
    assert.deepEqual(layers[0], { index: 0, kind: 'conv2d', conv: true, M: 608 * 608 * 3, K: 608 * 608 * 32, W: 3 * 3 * 3 * 32 });
    assert.deepEqual(layers[12], { index: 12, kind: 'conv2d', conv: true, M: 38 * 38 * 256, K: 38 * 38 * 512, W: 9 * 256 * 512 });
    assert.equal(layers[17]!.kind, 'maxpool');
    assert.equal(layers[17]!.conv, false);
    assert.equal(layers[17]!.W, 0);
    // route 16 (layer 25) brings back 38×38×512; conv 26 reads it.
    assert.equal(layers[26]!.M, 38 * 38 * 512);
    assert.deepEqual([layers[27]!.kind, layers[27]!.M, layers[27]!.K], ['reorg', 38 * 38 * 64, 19 * 19 * 256]);
    // A multi-input node's M is the sum of its inputs: route 27, 24 → 19×19×(256 + 1024).
    assert.deepEqual([layers[28]!.M, layers[28]!.K], [19 * 19 * 1280, 19 * 19 * 1280]);
    assert.equal(layers[29]!.M, 19 * 19 * 1280);
    assert.deepEqual([layers[31]!.kind, layers[31]!.conv], ['region', false]);
  });

  it('vgg-16: shapes after the crop are those of 224×224', async () => {
    const layers = allLayers(await load('vgg-16'));
    assert.deepEqual([layers[0]!.kind, layers[0]!.M, layers[0]!.K], ['crop', 256 * 256 * 3, 224 * 224 * 3]);
    assert.equal(layers[1]!.M, 224 * 224 * 3);
    assert.equal(layers[7]!.M, 56 * 56 * 128);
    // PAPER §3.4: 13 conv layers ≈ 58.8 MB of weights, 3 FC layers 123.6 M weights.
    const conv = layers.filter((l) => l.kind === 'conv2d').reduce((s, l) => s + l.W, 0);
    const fc = layers.filter((l) => l.kind === 'dense').reduce((s, l) => s + l.W, 0);
    assert.ok(Math.abs((4 * conv) / 1e6 - 58.8) < 0.05, `${(4 * conv) / 1e6}`);
    assert.ok(Math.abs(fc / 1e6 - 123.6) < 0.05, `${fc / 1e6}`);
    assert.equal(convPart(layers).length, 19);
  });

  it('dense layers count as conv only with {fc: true} (PAPER §3.4: M = in features, K = units)', async () => {
    const model = await load('alexnet');
    const plain = tailLayers(model, 8);
    const fc = tailLayers(model, 8, { fc: true });
    assert.deepEqual([plain[0]!.kind, plain[0]!.conv], ['dense', false]);
    assert.deepEqual([fc[0]!.conv, fc[0]!.M, fc[0]!.K, fc[0]!.W], [true, 6 * 6 * 256, 4096, 6 * 6 * 256 * 4096]);
    // PAPER §3.4: AlexNet's FC layers hold 58.6 M weights.
    assert.ok(Math.abs(fc.reduce((s, l) => s + l.W, 0) / 1e6 - 58.6) < 0.05);
    // With FC partitioned, the DP types the FC layers too (they are a chain through dropout → identity).
    const types = solveChain(fc, 4).types;
    assert.deepEqual(types.map((t, k) => (fc[k]!.kind === 'dense') === (t !== '-')), types.map(() => true));
  });

  it('extraction: 27 layers; the tail from 4 has 19 conv layers', async () => {
    const layers = tailLayers(await load('extraction'), 4);
    assert.equal(layers[0]!.index, 4);
    assert.equal(layers.length, 23);
    assert.equal(layers.filter((l) => l.conv).length, 19);
  });

  it('rejects a tail start outside the model', async () => {
    const model = await load('alexnet');
    assert.throws(() => tailLayers(model, 15), /tail start 15 is outside 0\.\.14/);
    assert.equal(tailLayers(model, 14).length, 0);
  });
});
