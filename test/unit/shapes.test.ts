import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { outShape, ShapeError, type NodeSpec } from '../../shared/model/shapes.ts';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { modelStats, nodeFlops, nodeParams } from '../../shared/model/stats.ts';
import type { Model, Shape3 } from '../../shared/model/ir.ts';

const DIR = fileURLToPath(new URL('../../assets/darknet/', import.meta.url));
const load = (name: string): Promise<Model> => loadDarknet(DIR + name);
const s3 = (h: number, w: number, c: number): Shape3 => ({ h, w, c });
const pad = (t: number, b = t) => ({ top: t, bottom: b, left: t, right: b });
const base = { id: 7, name: '7 test', inputs: [6] };

function conv(size: number, stride: number, p: number, d = 1, groups = 1, filters = 16): NodeSpec {
  return { ...base, kind: 'conv2d', size: [size, size], stride: [stride, stride], dilation: [d, d], pad: pad(p), groups, filters,
    batchNorm: false, activation: 'linear' };
}

describe('outShape', () => {
  const table: [string, NodeSpec, Shape3[], Shape3][] = [
    ['conv k=3 s=1 p=1', conv(3, 1, 1), [s3(13, 13, 8)], s3(13, 13, 16)],
    ['conv k=11 s=4 p=0 (alexnet)', conv(11, 4, 0), [s3(227, 227, 3)], s3(55, 55, 16)],
    ['conv k=3 s=2 p=1', conv(3, 2, 1), [s3(13, 13, 8)], s3(7, 7, 16)],
    ['conv k=3 s=1 p=2 d=2', conv(3, 1, 2, 2), [s3(10, 10, 8)], s3(10, 10, 16)],
    ['depthwise conv groups=8', conv(3, 1, 1, 1, 8, 8), [s3(5, 5, 8)], s3(5, 5, 8)],
    ['maxpool 2x2/1 pad 0+1 (yolov2-tiny)', { ...base, kind: 'maxpool', global: false, size: [2, 2], stride: [1, 1], pad: pad(0, 1) },
      [s3(13, 13, 512)], s3(13, 13, 512)],
    ['maxpool 3x3/2 pad 0 (alexnet)', { ...base, kind: 'maxpool', global: false, size: [3, 3], stride: [2, 2], pad: pad(0) },
      [s3(55, 55, 96)], s3(27, 27, 96)],
    ['global avgpool', { ...base, kind: 'avgpool', global: true, size: [7, 7], stride: [1, 1], pad: pad(0) }, [s3(7, 7, 1000)], s3(1, 1, 1000)],
    ['dense', { ...base, kind: 'dense', units: 10, batchNorm: false, activation: 'relu' }, [s3(6, 6, 256)], s3(1, 1, 10)],
    ['concat', { ...base, kind: 'concat', groups: 1, groupId: 0 }, [s3(19, 19, 256), s3(19, 19, 1024)], s3(19, 19, 1280)],
    ['concat group 1 of 2', { ...base, kind: 'concat', groups: 2, groupId: 1 }, [s3(4, 4, 64)], s3(4, 4, 32)],
    ['add', { ...base, kind: 'add', activation: 'leaky' }, [s3(4, 4, 8), s3(4, 4, 8)], s3(4, 4, 8)],
    ['strided shortcut add', { ...base, kind: 'add', activation: 'leaky', shortcutStride: 2 }, [s3(32, 32, 512), s3(64, 64, 256)], s3(32, 32, 512)],
    ['mul broadcast', { ...base, kind: 'mul' }, [s3(4, 4, 8), s3(1, 1, 8)], s3(4, 4, 8)],
    ['reorg /2', { ...base, kind: 'reorg', stride: 2 }, [s3(38, 38, 64)], s3(19, 19, 256)],
    ['upsample x2', { ...base, kind: 'upsample', stride: 2, mode: 'nearest', scale: 1, alignCorners: false, halfPixelCenters: false },
      [s3(13, 13, 256)], s3(26, 26, 256)],
    ['crop', { ...base, kind: 'crop', top: 16, left: 16, scale: 2, shift: -1, out: s3(224, 224, 3) }, [s3(256, 256, 3)], s3(224, 224, 3)],
    ['region', { ...base, kind: 'region', anchors: [], num: 5, coords: 4, classes: 80 }, [s3(19, 19, 425)], s3(19, 19, 425)],
    ['yolo', { ...base, kind: 'yolo', anchors: [], mask: [0, 1, 2], classes: 80 }, [s3(13, 13, 255)], s3(13, 13, 255)],
    ['softmax', { ...base, kind: 'softmax', temperature: 1 }, [s3(1, 1, 1000)], s3(1, 1, 1000)],
  ];
  for (const [name, node, ins, want] of table) it(name, () => assert.deepEqual(outShape(node, ins), want));

  const bad: [string, NodeSpec, Shape3[], RegExp][] = [
    ['groups do not divide channels', conv(3, 1, 1, 1, 3, 6), [s3(5, 5, 8)], /input channels 8 not divisible by groups 3/],
    ['add shapes differ', { ...base, kind: 'add', activation: 'linear' }, [s3(4, 4, 8), s3(4, 4, 9)], /add inputs differ: 4x4x8 vs 4x4x9/],
    ['concat h/w differ', { ...base, kind: 'concat', groups: 1, groupId: 0 }, [s3(4, 4, 8), s3(2, 2, 8)], /differ in height\/width/],
    ['reorg divisibility', { ...base, kind: 'reorg', stride: 2 }, [s3(5, 4, 8)], /reorg stride 2 does not divide input 5x4x8/],
    ['crop does not fit', { ...base, kind: 'crop', top: 1, left: 0, scale: 1, shift: 0, out: s3(4, 4, 3) }, [s3(4, 4, 3)], /does not fit/],
    ['window too large', conv(5, 1, 0), [s3(3, 3, 8)], /geometry: window size=5/],
    ['wrong arity', conv(3, 1, 1), [s3(3, 3, 8), s3(3, 3, 8)], /conv2d needs 1 input\(s\), got 2/],
  ];
  for (const [name, node, ins, re] of bad) {
    it(`rejects: ${name}`, () => assert.throws(() => outShape(node, ins), (e: unknown) =>
      e instanceof ShapeError && e.layer === 7 && /^shapes: layer 7 \(7 test\): /.test(e.message) && re.test(e.message)));
  }
});

describe('bundled Darknet cfgs', () => {
  it('every cfg loads with consistent shapes', async () => {
    const cfgs = readdirSync(DIR).filter((f) => f.endsWith('.cfg'));
    assert.ok(cfgs.length >= 9);
    for (const f of cfgs) {
      const m = await load(f);
      m.nodes.forEach((n, i) => assert.equal(n.id, i));
      assert.ok(m.nodes.every((n) => n.out.h >= 1 && n.out.w >= 1 && n.out.c >= 1), f);
    }
  });

  it('yolov2: 32 layers, region head, PAPER §7.2 shapes', async () => {
    const m = await load('yolov2.cfg');
    assert.equal(m.nodes.length, 32);
    assert.equal(m.nodes[31]!.kind, 'region');
    assert.deepEqual(m.nodes[30]!.out, s3(19, 19, 425));
    assert.deepEqual([16, 25, 26, 27, 28].map((i) => m.nodes[i]!.out),
      [s3(38, 38, 512), s3(38, 38, 512), s3(38, 38, 64), s3(19, 19, 256), s3(19, 19, 1280)]);
    assert.deepEqual(m.nodes[25]!.inputs, [16]);
    assert.deepEqual(m.nodes[28]!.inputs, [27, 24]);
    assert.equal(m.nodes[12]!.name, '12 conv 3x3/1 512');
    assert.deepEqual([m.head, m.outputs, m.preprocess.resize, m.labels?.length], ['region', [31], 'letterbox', 80]);
  });

  it('yolov2-voc ends 13x13x125, yolov2-tiny 13x13x425 (2x2/1 maxpool keeps 13)', async () => {
    const voc = await load('yolov2-voc.cfg');
    assert.deepEqual(voc.nodes.at(-1)!.out, s3(13, 13, 125));
    assert.equal(voc.labels?.[0], 'aeroplane');
    const tiny = await load('yolov2-tiny.cfg');
    assert.deepEqual(tiny.nodes.at(-1)!.out, s3(13, 13, 425));
    const pool = tiny.nodes[11]!;
    assert.ok(pool.kind === 'maxpool' && pool.stride[0] === 1 && pool.pad.top === 0 && pool.pad.bottom === 1);
    assert.deepEqual(pool.out, s3(13, 13, 512));
  });

  it('classifiers end with 1000 classes and a classifier head', async () => {
    const layers: Record<string, number> = { 'vgg-16.cfg': 25, 'alexnet.cfg': 14, 'extraction.cfg': 27, 'darknet.cfg': 16, 'tiny.cfg': 22 };
    for (const [f, n] of Object.entries(layers)) {
      const m = await load(f);
      assert.equal(m.nodes.length, n, f);
      assert.deepEqual(m.nodes.at(-1)!.out, s3(1, 1, 1000), f);
      assert.deepEqual([m.head, m.preprocess.resize, m.labels?.length], ['classifier', 'stretch', 1000], f);
    }
    const vgg = await load('vgg-16.cfg');
    assert.deepEqual(vgg.nodes[0]!.out, s3(224, 224, 3));
    assert.deepEqual(vgg.nodes[19]!.inputs.map((i) => vgg.nodes[i]!.out), [s3(7, 7, 512)]);
  });

  it('resnet50: 16 adds, 4 of them strided/projection-free Darknet shortcuts', async () => {
    const m = await load('resnet50.cfg');
    const adds = m.nodes.filter((n) => n.kind === 'add');
    assert.equal(adds.length, 16);
    assert.deepEqual(adds.filter((n) => n.kind === 'add' && n.shortcutStride !== undefined).map((n) => n.kind === 'add' && [n.id, n.shortcutStride]),
      [[5, 1], [17, 2], [33, 2], [57, 2]]);
  });
});

describe('stats', () => {
  it('yolov2 608: conv FLOPs = Darknet 62.94 BFLOPs; total within 1%', async () => {
    const m = await load('yolov2.cfg');
    const conv = m.nodes.filter((n) => n.kind === 'conv2d').reduce((s, n) => s + nodeFlops(m, n), 0);
    assert.equal((conv / 1e9).toFixed(2), '62.94');
    assert.ok(Math.abs(modelStats(m).flops / 62.94e9 - 1) < 0.01);
  });

  it('params: conv kernel+bias+BN, dense per PAPER §3.4 (VGG-16 FC 123.6 M weights)', async () => {
    const y = await load('yolov2.cfg');
    assert.equal(nodeParams(y, y.nodes[0]!), 3 * 3 * 3 * 32 + 4 * 32);
    assert.equal(nodeParams(y, y.nodes[30]!), 1024 * 425 + 425);
    assert.equal(nodeParams(y, y.nodes[1]!), 0);
    const vgg = await load('vgg-16.cfg');
    const fc = vgg.nodes.filter((n) => n.kind === 'dense').reduce((s, n) => s + nodeParams(vgg, n) - (n.kind === 'dense' ? n.units : 0), 0);
    assert.equal(fc, 25088 * 4096 + 4096 * 4096 + 4096 * 1000);
    assert.equal((fc / 1e6).toFixed(1), '123.6');
    assert.equal(nodeFlops(vgg, vgg.nodes[19]!), 2 * 25088 * 4096);
  });
});
