import { strict as assert } from 'node:assert';
import { INPUT, type Model, type Node, type RegionNode, type YoloNode } from '../../shared/model/ir.ts';
import { tensor3, type Tensor3 } from '../../shared/tensor.ts';
import type { BoxTransform, RgbImage } from '../../worker/engine/image.ts';
import { agnosticNms, annotate, decodePredictions, doNmsSort, greedyNms, iou, type Candidate } from '../../worker/head/index.ts';
import { bandRect, classColour } from '../../worker/head/annotate.ts';
import { ADVANCE, GLYPH_H, GLYPH_W, glyph } from '../../worker/head/font.ts';

const close = (a: readonly number[], b: readonly number[], tol = 1e-6) =>
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tol, `index ${i}: ${v} vs ${b[i]}`));

function model(head: Model['head'], nodes: Node[], outputs: number[], labels?: string[]): Model {
  return { name: 'test', format: 'darknet', input: { h: 416, w: 416, c: 3 }, nodes, outputs,
    preprocess: { resize: 'letterbox', scale: 1 / 255 }, head, ...(labels ? { labels } : {}) };
}

/** Set anchor n's entries at (row, col) of an activated map: [tx, ty, tw, th, obj, ...classes]. */
function put(map: Tensor3, row: number, col: number, n: number, entries: number[]): void {
  map.data.set(entries, (row * map.shape.w + col) * map.shape.c + n * entries.length);
}

const cand = (box: Candidate['box'], probs: number[]): Candidate => ({ box, objectness: 1, probs: Float32Array.from(probs) });

describe('head: NMS', () => {
  it('iou: identical 1, half overlap 1/3, touching or disjoint 0', () => {
    assert.equal(iou([0, 0, 2, 2], [0, 0, 2, 2]), 1);
    assert.ok(Math.abs(iou([0, 0, 2, 2], [1, 0, 3, 2]) - 1 / 3) < 1e-12);
    assert.equal(iou([0, 0, 2, 2], [2, 0, 4, 2]), 0);
    assert.equal(iou([0, 0, 2, 2], [5, 5, 6, 6]), 0);
  });

  it('do_nms_sort suppresses per class, by probability', () => {
    const a = cand([0, 0, 10, 10], [0.9, 0]);
    const b = cand([1, 1, 11, 11], [0.8, 0.6]); // IoU(a, b) = 81/119
    const c = cand([20, 20, 30, 30], [0.7, 0]);
    doNmsSort([c, b, a], 2, 0.45);
    assert.deepEqual([...a.probs, ...b.probs, ...c.probs].map((v) => Math.round(v * 10) / 10), [0.9, 0, 0, 0.6, 0.7, 0]);
  });

  it('a suppressed box suppresses nothing; IoU equal to the threshold survives', () => {
    // IoU(a,b) = IoU(b,c) = 1/3, IoU(a,c) = 0.
    const mk = () => [cand([0, 0, 10, 10], [0.9]), cand([5, 0, 15, 10], [0.8]), cand([10, 0, 20, 10], [0.7])];
    const chain = mk();
    doNmsSort(chain, 1, 0.3);
    assert.deepEqual(chain.map((d) => d.probs[0]! > 0), [true, false, true]);
    const tie = mk();
    doNmsSort(tie, 1, 1 / 3);
    assert.deepEqual(tie.map((d) => d.probs[0]! > 0), [true, true, true]);
  });

  it('agnosticNms (Frigate): one label per box, overlaps suppressed across classes', () => {
    const horse = cand([0, 0, 10, 10], [0.3, 0.27, 0.22]); // sheep, horse, cow on one box
    const cow = cand([1, 0, 11, 10], [0, 0, 0.5]); // IoU 9/11 with it, another class, higher score
    const far = cand([30, 0, 40, 10], [0.26, 0, 0]);
    agnosticNms([horse, cow, far], 0.45);
    assert.deepEqual([...horse.probs, ...cow.probs, ...far.probs].map((v) => Math.round(v * 100) / 100), [0, 0, 0, 0, 0, 0.5, 0.26, 0, 0]);
    const alone = cand([0, 0, 10, 10], [0.3, 0.27, 0.22]);
    agnosticNms([alone], 0.45);
    assert.deepEqual([...alone.probs].map((v) => Math.round(v * 100) / 100), [0.3, 0, 0]);
    const perClass = [cand([0, 0, 10, 10], [0.3, 0.27, 0.22]), cand([1, 0, 11, 10], [0, 0, 0.5])];
    doNmsSort(perClass, 3, 0.45);
    assert.deepEqual(perClass.map((c) => [...c.probs].filter((p) => p > 0).length), [2, 1], 'per class: sheep and horse stay on the first box');
  });

  it('greedyNms is class-agnostic and keeps by score', () => {
    const items = [
      { box: [5, 0, 15, 10] as const, score: 0.8 }, { box: [0, 0, 10, 10] as const, score: 0.9 },
      { box: [10, 0, 20, 10] as const, score: 0.7 }, { box: [0, 0, 9, 10] as const, score: 0.6 },
    ];
    assert.deepEqual(greedyNms(items, 0.3).map((d) => d.score), [0.9, 0.7]);
  });
});

describe('head: classifier', () => {
  const node = (c: number) => ({ id: 0, name: 'softmax', inputs: [INPUT], out: { h: 1, w: 1, c }, kind: 'softmax', temperature: 1 } as Node);
  const stretch: BoxTransform = { image: { w: 10, h: 10 }, net: { w: 416, h: 416 }, content: { x: 0, y: 0, w: 416, h: 416 } };

  it('top-5 in score order, ties by class index, labels or "class i"', () => {
    const scores = Float32Array.from([0.01, 0.3, 0.05, 0.2, 0.3, 0.02, 0.1, 0.0, 0.015, 0.005]);
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const out = new Map([[0, tensor3({ h: 1, w: 1, c: 10 }, scores)]]);
    const p = decodePredictions(model('classifier', [node(10)], [0], labels), out, stretch);
    assert.equal(p.kind, 'top');
    if (p.kind !== 'top') return;
    assert.deepEqual(p.top.map((t) => [t.label, t.classId]), [['b', 1], ['e', 4], ['d', 3], ['g', 6], ['c', 2]]);
    const q = decodePredictions(model('classifier', [node(10)], [0]), out, stretch, { topK: 2 });
    assert.deepEqual(q.kind === 'top' && q.top.map((t) => t.label), ['class 1', 'class 4']);
  });
});

describe('head: region (YOLOv2)', () => {
  const anchors = [1.3221, 1.73145, 3.19275, 4.00944, 5.05587, 8.09892, 9.47112, 4.84053, 11.2364, 10.0071];
  const region: RegionNode = { id: 0, name: 'region', inputs: [INPUT], out: { h: 13, w: 13, c: 125 }, kind: 'region',
    anchors, classes: 20, num: 5, coords: 4 };
  // dog.jpg 768x576 letterboxed into 416x416: content rows 52..363.
  const dog: BoxTransform = { image: { w: 768, h: 576 }, net: { w: 416, h: 416 }, content: { x: 0, y: 52, w: 416, h: 312 } };
  const entry = (tx: number, ty: number, obj: number, cls: number, p: number) => {
    const e = new Array(25).fill(0);
    e.splice(0, 5, tx, ty, 0, 0, obj);
    e[5 + cls] = p;
    return e;
  };

  it('one strong cell/anchor gives one detection at the un-letterboxed pixel box', () => {
    const map = tensor3({ h: 13, w: 13, c: 125 });
    put(map, 6, 4, 2, entry(0.5, 0.25, 0.9, 11, 0.95));
    put(map, 6, 5, 2, entry(0.5, 0.25, 0.9, 11, 0.8)); // one cell right: same class, IoU high → suppressed
    put(map, 1, 1, 0, entry(0.5, 0.5, 0.2, 3, 1)); // objectness 0.2 < 0.24
    put(map, 9, 9, 1, entry(0.5, 0.5, 0.5, 7, 0.4)); // 0.5 · 0.4 = 0.2 < 0.24
    const p = decodePredictions(model('region', [region], [0]), new Map([[0, map]]), dog);
    assert.equal(p.kind, 'detections');
    if (p.kind !== 'detections') return;
    assert.deepEqual([p.width, p.height, p.detections.length], [768, 576, 1]);
    const d = p.detections[0]!;
    assert.deepEqual([d.label, d.classId], ['class 11', 11]);
    assert.ok(Math.abs(d.score - 0.9 * 0.95) < 1e-6);
    const cx = 4.5 / 13, cy = 6.25 / 13, bw = anchors[4]! / 13, bh = anchors[5]! / 13;
    const ys = 576 / 312;
    close(d.box, [(cx - bw / 2) * 768, ((cy - bh / 2) * 416 - 52) * ys, (cx + bw / 2) * 768, ((cy + bh / 2) * 416 - 52) * ys], 1e-3);
  });

  it('letterbox with odd padding (horses.jpg 773x512): correct_region_boxes offset (416 − 275)/2 = 70.5, not 70', () => {
    const horses: BoxTransform = { image: { w: 773, h: 512 }, net: { w: 416, h: 416 }, content: { x: 0, y: 70, w: 416, h: 275 } };
    const map = tensor3({ h: 13, w: 13, c: 125 });
    put(map, 6, 6, 0, entry(0.5, 0.5, 0.9, 2, 0.9));
    const p = decodePredictions(model('region', [region], [0]), new Map([[0, map]]), horses);
    assert.ok(p.kind === 'detections' && p.detections.length === 1);
    // src/region_layer.c correct_region_boxes, then draw_detections: top = (b.y − b.h/2)·im.h.
    const newH = 275, netH = 416;
    const by = (6.5 / 13 - (netH - newH) / 2 / netH) / (newH / netH);
    const bh = (anchors[1]! / 13) * (netH / newH);
    const d = p.detections[0]!;
    close([d.box[1], d.box[3]], [(by - bh / 2) * 512, (by + bh / 2) * 512], 1e-3);
    // The embedded integer offset would put the box 0.5·512/275 = 0.93 px lower.
    assert.ok(Math.abs(d.box[1] - ((6.5 / 13 - anchors[1]! / 26) * 416 - 70) * (512 / 275)) > 0.9);
  });

  it('one anchor above threshold for 3 classes: 1 detection by default (agnostic), 3 with nms per-class', () => {
    const map = tensor3({ h: 13, w: 13, c: 125 });
    const e = entry(0.5, 0.5, 0.9, 16, 0.33); // ×0.9: 0.297, 0.27, 0.243 (all above 0.24)
    e[5 + 12] = 0.3;
    e[5 + 18] = 0.27;
    put(map, 6, 6, 0, e);
    const labels = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const byDefault = decodePredictions(model('region', [region], [0], labels), new Map([[0, map]]), dog);
    assert.ok(byDefault.kind === 'detections');
    assert.deepEqual(byDefault.detections.map((d) => d.label), ['c16']);
    const perClass = decodePredictions(model('region', [region], [0], labels), new Map([[0, map]]), dog, { nms: 'per-class' });
    assert.ok(perClass.kind === 'detections');
    assert.deepEqual(perClass.detections.map((d) => d.label), ['c16', 'c12', 'c18']);
  });

  it('boxes leaving the frame are clamped; threshold option applies', () => {
    const map = tensor3({ h: 13, w: 13, c: 125 });
    put(map, 0, 0, 4, entry(0.1, 0.1, 0.6, 0, 0.9));
    const p = decodePredictions(model('region', [region], [0]), new Map([[0, map]]), dog);
    assert.ok(p.kind === 'detections' && p.detections.length === 1);
    assert.deepEqual(p.detections[0]!.box.slice(0, 2), [0, 0]);
    const q = decodePredictions(model('region', [region], [0]), new Map([[0, map]]), dog, { threshold: 0.6 });
    assert.ok(q.kind === 'detections' && q.detections.length === 0);
  });

  it('missing or misshapen outputs name the node', () => {
    assert.throws(() => decodePredictions(model('region', [region], [0]), new Map(), dog), /head: model test output of node 0 is missing/);
    const bad = new Map([[0, tensor3({ h: 13, w: 13, c: 120 })]]);
    assert.throws(() => decodePredictions(model('region', [region], [0]), bad, dog), /head: layer 0 expected shape \[13, 13, 125\] but got \[13, 13, 120\]/);
  });
});

describe('head: yolo (YOLOv3, two scales)', () => {
  const anchors = [10, 14, 23, 27, 37, 58, 81, 82, 135, 169, 344, 319];
  const yolo = (id: number, size: number, mask: number[]): YoloNode => ({ id, name: 'yolo', inputs: [INPUT],
    out: { h: size, w: size, c: 24 }, kind: 'yolo', anchors, mask, classes: 3 });
  const m = model('yolo', [yolo(0, 13, [3, 4, 5]), yolo(1, 26, [0, 1, 2])], [0, 1]);
  const frame: BoxTransform = { image: { w: 640, h: 480 }, net: { w: 416, h: 416 }, content: { x: 0, y: 0, w: 416, h: 416 } };

  it('combines both scales, anchors from the mask, sorted by score', () => {
    const coarse = tensor3({ h: 13, w: 13, c: 24 });
    const fine = tensor3({ h: 26, w: 26, c: 24 });
    put(coarse, 3, 7, 1, [0.5, 0.5, 0, 0, 0.8, 0, 0, 0.9]); // anchor 4 (135x169), class 2: 0.72
    put(fine, 20, 5, 0, [0.25, 0.75, Math.log(2), 0, 0.7, 0.6, 0, 0]); // anchor 0 (10x14), w doubled, class 0: 0.42
    put(fine, 2, 2, 2, [0.5, 0.5, 0, 0, 0.3, 0.8, 0, 0]); // 0.24 < 0.25
    const p = decodePredictions(m, new Map([[0, coarse], [1, fine]]), frame);
    assert.ok(p.kind === 'detections');
    assert.deepEqual(p.detections.map((d) => d.label), ['class 2', 'class 0']);
    close(p.detections.map((d) => d.score), [0.72, 0.42]);
    const box = (cx: number, cy: number, bw: number, bh: number) => [(cx - bw / 2) * 640, (cy - bh / 2) * 480, (cx + bw / 2) * 640, (cy + bh / 2) * 480];
    close(p.detections[0]!.box, box(7.5 / 13, 3.5 / 13, 135 / 416, 169 / 416), 1e-3);
    close(p.detections[1]!.box, box(5.25 / 26, 20.75 / 26, 20 / 416, 14 / 416), 1e-3);
    const top1 = decodePredictions(m, new Map([[0, coarse], [1, fine]]), frame, { topK: 1 });
    assert.ok(top1.kind === 'detections' && top1.detections.length === 1);
  });

  it('a head without a decoder is refused by name', () => {
    assert.throws(() => decodePredictions({ ...m, head: 'none' }, new Map(), frame), /head: model test has head 'none'/);
  });
});

describe('head: annotate', () => {
  it('draws a class-coloured outline of the given width on a copy', () => {
    const img: RgbImage = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3) };
    const out = annotate(img, [{ label: 'person', classId: 0, score: 0.5, box: [5, 5, 30, 25] }], { thickness: 2, band: false });
    const px = (x: number, y: number) => Array.from(out.data.subarray((y * 40 + x) * 3, (y * 40 + x) * 3 + 3));
    const magenta = [...classColour(0, 80)];
    assert.deepEqual(magenta, [255, 0, 255]); // Darknet get_color: class 0 → colors[0]
    assert.deepEqual([px(5, 5), px(6, 6), px(30, 20), px(29, 20)], [magenta, magenta, magenta, magenta]);
    assert.deepEqual([px(7, 7), px(28, 20), px(2, 2)], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    assert.ok(img.data.every((v) => v === 0), 'input image was modified');
  });

  /** Read a band's text back from the pixels: each cell matched against every glyph of the font. */
  function readText(img: RgbImage, x: number, y: number, scale: number, cells: number, ink: number[]): string {
    const dot = (cx: number, cy: number) => {
      const o = ((y + cy * scale) * img.width + x + cx * scale) * 3;
      return Number(img.data[o] === ink[0] && img.data[o + 1] === ink[1] && img.data[o + 2] === ink[2]);
    };
    let text = '';
    for (let k = 0; k < cells; k++) {
      const seen = Uint8Array.from({ length: GLYPH_W * GLYPH_H }, (_, i) => dot(k * ADVANCE + (i % GLYPH_W), Math.floor(i / GLYPH_W)));
      const hit = [...Array(95)].map((_, i) => String.fromCharCode(32 + i)).find((ch) => glyph(ch).every((v, i) => v === seen[i]));
      text += hit ?? '¿';
    }
    return text;
  }

  it('the label band above the box reads "class score" in the built-in font', () => {
    const img: RgbImage = { width: 120, height: 60, data: new Uint8Array(120 * 60 * 3) };
    const d = { label: 'dog', classId: 16, score: 0.5, box: [10, 30, 100, 55] as [number, number, number, number] };
    const out = annotate(img, [d], { textScale: 1 });
    const colour = [...classColour(16, 80)];
    const r = bandRect(out, d, 1);
    assert.deepEqual(r, { x: 10, y: 21, w: 8 * 6 - 1 + 2, h: 9 });
    const px = (x: number, y: number) => Array.from(out.data.subarray((y * 120 + x) * 3, (y * 120 + x) * 3 + 3));
    assert.deepEqual(px(10, 21), colour, 'band corner');
    const ink = 0.299 * colour[0]! + 0.587 * colour[1]! + 0.114 * colour[2]! >= 128 ? [0, 0, 0] : [255, 255, 255];
    assert.equal(readText(out, 11, 22, 1, 8, ink), 'dog 0.50');
  });

  it('text scales with the frame, the band stays inside it, unknown characters draw as ?', () => {
    const img: RgbImage = { width: 200, height: 480, data: new Uint8Array(200 * 480 * 3) };
    const d = { label: 'hair drier€', classId: 3, score: 0.876, box: [150, 2, 199, 100] as [number, number, number, number] };
    const out = annotate(img, [d]);
    const scale = 2; // 480·0.03/8 = 1.8 → 2
    const r = bandRect(out, d, scale);
    assert.deepEqual([r.x + r.w, r.y, r.h], [200, 2, 18], 'shifted left to fit, inside the box at the top edge');
    const colour = classColour(3, 80);
    const ink = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2] >= 128 ? [0, 0, 0] : [255, 255, 255];
    assert.equal(readText(out, r.x + scale, r.y + scale, scale, 16, ink), 'hair drier? 0.88');
  });
});
