/**
 * The kind table (shared/model/kinds.ts) against geometry, the planner and the worker: every kind's
 * region rule fits its maps, the planner puts a layer in an FTP stack exactly when the worker runs it
 * on a tile, and a tile the worker runs equals the crop of the whole-map run (PAPER §2.2).
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { INPUT, type Model, type NodeKind, type Shape3 } from '../../shared/model/ir.ts';
import { KINDS, hasWeights, tileRefusal } from '../../shared/model/kinds.ts';
import { outShape, type NodeSpec } from '../../shared/model/shapes.ts';
import { syntheticWeights } from '../../shared/model/synthetic.ts';
import { fullRegion, inputRegions } from '../../shared/geometry.ts';
import { nodeInputs } from '../../shared/model/ir.ts';
import type { Region } from '../../shared/tensor.ts';
import { legalFtpLayers, validateFtp } from '../../planner/plan/spec.ts';
import { initBackend } from '../../worker/engine/backend.ts';
import { runProgram, runReference, wholeWeights } from '../../worker/engine/executor.ts';
import { tfjsEngine } from '../../worker/engine/tfjs-engine.ts';
import { taskProgram } from '../../shared/plan/program.ts';
import { randomTensor } from '../support/naive.ts';

const IN: Shape3 = { h: 8, w: 8, c: 12 };
const P1 = { top: 1, bottom: 1, left: 1, right: 1 };
const P0 = { top: 0, bottom: 0, left: 0, right: 0 };
type Spec = NodeSpec extends infer S ? (S extends NodeSpec ? Omit<S, 'id' | 'name' | 'inputs'> & { inputs?: number[] } : never) : never;

/** Per kind, small models whose LAST node is the case; earlier nodes only feed it. */
const CASES: Record<NodeKind, Record<string, Spec[]>> = {
  conv2d: {
    'conv 3x3 s=1 p=1': [{ kind: 'conv2d', size: [3, 3], stride: [1, 1], dilation: [1, 1], pad: P1, groups: 1, filters: 6, batchNorm: true, activation: 'leaky' }],
    'depthwise 3x3 s=2 d=1': [{ kind: 'conv2d', size: [3, 3], stride: [2, 2], dilation: [1, 1], pad: P1, groups: 12, filters: 12, batchNorm: false, activation: 'relu6' }],
  },
  dense: { 'dense 3 units': [{ kind: 'dense', units: 3, batchNorm: false, activation: 'linear' }] },
  maxpool: {
    'maxpool 2x2 s=2': [{ kind: 'maxpool', global: false, size: [2, 2], stride: [2, 2], pad: P0 }],
    'maxpool global': [{ kind: 'maxpool', global: true, size: [8, 8], stride: [1, 1], pad: P0 }],
  },
  avgpool: {
    'avgpool 3x3 s=1 p=1': [{ kind: 'avgpool', global: false, size: [3, 3], stride: [1, 1], pad: P1 }],
    'avgpool global': [{ kind: 'avgpool', global: true, size: [8, 8], stride: [1, 1], pad: P0 }],
  },
  softmax: { 'softmax over channels': [{ kind: 'softmax', temperature: 1 }] },
  concat: { 'concat of two': [{ kind: 'concat', groups: 1, groupId: 0, inputs: [INPUT, INPUT] }] },
  add: {
    'add of two': [{ kind: 'add', activation: 'linear', inputs: [INPUT, INPUT] }],
    'shortcut stride 2': [{ kind: 'maxpool', global: false, size: [2, 2], stride: [2, 2], pad: P0 }, { kind: 'add', activation: 'leaky', shortcutStride: 2, inputs: [0, INPUT] }],
  },
  mul: {
    'mul of two maps': [{ kind: 'mul', inputs: [INPUT, INPUT] }],
    'squeeze-excite broadcast': [{ kind: 'avgpool', global: true, size: [8, 8], stride: [1, 1], pad: P0 }, { kind: 'mul', inputs: [INPUT, 0] }],
  },
  activation: { 'hardswish': [{ kind: 'activation', activation: 'hardswish' }] },
  reorg: { 'reorg /2': [{ kind: 'reorg', stride: 2 }] },
  upsample: {
    'nearest x2': [{ kind: 'upsample', stride: 2, mode: 'nearest', scale: 1, alignCorners: false, halfPixelCenters: false }],
    'bilinear x2 half-pixel': [{ kind: 'upsample', stride: 2, mode: 'bilinear', scale: 1, alignCorners: false, halfPixelCenters: true }],
    'bilinear x2 align-corners': [{ kind: 'upsample', stride: 2, mode: 'bilinear', scale: 1, alignCorners: true, halfPixelCenters: false }],
  },
  crop: { 'crop 6x6 at (1, 2)': [{ kind: 'crop', top: 1, left: 2, scale: 2, shift: -1, out: { h: 6, w: 6, c: 12 } }] },
  identity: { 'identity': [{ kind: 'identity' }] },
  region: { 'region num=2 classes=1': [{ kind: 'region', anchors: [1, 1, 2, 2], classes: 1, num: 2, coords: 4 }] },
  yolo: { 'yolo mask=2 classes=1': [{ kind: 'yolo', anchors: [1, 1, 2, 2], mask: [0, 1], classes: 1 }] },
};

function build(name: string, specs: Spec[]): Model {
  const nodes: Model['nodes'][number][] = [];
  specs.forEach((s, id) => {
    const spec = { ...s, id, name: `${name}#${id}`, inputs: s.inputs ?? [id - 1] } as NodeSpec;
    const ins = spec.inputs.map((i) => (i === INPUT ? IN : nodes[i]!.out));
    nodes.push({ ...spec, out: outShape(spec, ins) } as Model['nodes'][number]);
  });
  return { name, format: 'darknet', input: IN, nodes, outputs: [nodes.length - 1], preprocess: { resize: 'stretch', scale: 1 }, head: 'none' };
}

/** A proper sub-tile of the map: the lower rows, the left columns (the whole map when it is 1×1). */
function tileOf(s: Shape3): Region {
  return { y0: Math.min(1, s.h - 1), y1: s.h, x0: 0, x1: Math.max(1, Math.ceil(s.w / 2)) };
}

const every = Object.entries(CASES).flatMap(([kind, cases]) => Object.entries(cases).map(([name, specs]) => ({ kind, name, model: build(name, specs) })));

describe('kinds: the table and geometry', () => {
  it('has a row for every kind, with weights exactly on the weight kinds', () => {
    assert.deepEqual(Object.keys(KINDS).sort(), Object.keys(CASES).sort());
    for (const { model } of every) {
      const n = model.nodes.at(-1)!;
      assert.equal(hasWeights(n), n.kind === 'conv2d' || n.kind === 'dense', n.name);
      assert.equal(KINDS[n.kind].tail, hasWeights(n) ? 'lop' : 'local', `${n.name}: a weight layer defaults to LOP, the rest to the data source`);
    }
  });

  for (const { name, model } of every) {
    const n = model.nodes.at(-1)!;
    it(`${name}: the region rule fits the maps; ${tileRefusal(n, nodeInputs(model, n)) ? 'untileable' : 'a tile reads less than the whole input'}`, () => {
      const ins = nodeInputs(model, n);
      assert.deepEqual(inputRegions(n, fullRegion(n.out), ins).inputs.length, ins.length);
      const tile = tileOf(n.out);
      const got = inputRegions(n, tile, ins);
      if (tileRefusal(n, ins) || (n.out.h === 1 && n.out.w === 1)) return;
      const area = (r: Region): number => (r.y1 - r.y0) * (r.x1 - r.x0);
      assert.ok(got.inputs.some((r, k) => area(r) < ins[k]!.h * ins[k]!.w), `${name}: tile ${JSON.stringify(tile)} reads ${JSON.stringify(got.inputs)}`);
    });
  }
});

describe('kinds: planner and worker agree on tiling', () => {
  before(() => initBackend('cpu'));

  for (const { name, model } of every) {
    const n = model.nodes.at(-1)!;
    const why = tileRefusal(n, nodeInputs(model, n));
    it(`${name}: ${why ? 'the planner refuses FTP and the worker refuses a tile' : 'FTP is legal and the worker tile equals the whole-map crop'}`, async () => {
      const last = model.nodes.length;
      if (model.nodes.every((m) => !tileRefusal(m, nodeInputs(model, m)))) assert.ok(legalFtpLayers(model).includes(last), name);
      if (why) assert.throws(() => validateFtp(model, { layers: last, grid: { rows: 1, cols: 1 } }), /FTP cannot cross/);
      const weights = syntheticWeights(model);
      const x = randomTensor(IN.h, IN.w, IN.c, 7);
      const full = await runReference(model, weights, x, { all: true });
      const tile = tileOf(n.out);
      const srcs = [...new Set(n.inputs)];
      const shape = (id: number): Shape3 => (id === INPUT ? IN : model.nodes[id]!.out);
      const needs = srcs.map((src) => ({ sel: { node: src, region: fullRegion(shape(src)), channels: { c0: 0, c1: shape(src).c } }, reduce: false, pieces: [] }));
      const build = () => taskProgram(model, 'tile', needs, [{ node: n.id, region: tile }], [n.id]);
      if (why && (tile.y1 - tile.y0 < n.out.h || tile.x1 - tile.x0 < n.out.w)) {
        assert.throws(build, /cannot run on a tile/);
        return;
      }
      const feeds = srcs.map((src) => (src === INPUT ? x : full.get(src)!));
      const got = (await runProgram(tfjsEngine, build(), wholeWeights(weights), feeds)).outputs.get(n.id)!;
      const want = full.get(n.id)!;
      let diff = 0;
      for (let y = tile.y0; y < tile.y1; y++) {
        for (let i = tile.x0; i < tile.x1; i++) {
          for (let k = 0; k < n.out.c; k++) {
            const a = got.data[((y - tile.y0) * (tile.x1 - tile.x0) + (i - tile.x0)) * n.out.c + k]!;
            diff = Math.max(diff, Math.abs(a - want.data[(y * n.out.w + i) * n.out.c + k]!));
          }
        }
      }
      assert.ok(diff <= 1e-5, `${name}: tile differs from the whole-map crop by ${diff}`);
    });
  }
});
