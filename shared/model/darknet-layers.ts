/**
 * One Darknet cfg section → one IR node spec (before shape inference). Defaults follow Darknet's
 * src/parser.c (pjreddie), with a few AlexeyAB keys (dilation, stride_x/_y, route groups). Options
 * that change semantics we can't express are rejected with their line, never silently ignored.
 */
import { darknetConvPad, darknetPoolPad } from '../geometry.ts';
import { act, prev, ref, shapeOf, strides, type LayerContext } from './darknet-section.ts';
import type { SectionReader } from './darknet-cfg.ts';
import { fmtShape, shortcutStrideFor, type NodeSpec } from './shapes.ts';

export type { LayerContext } from './darknet-section.ts';

/** Section types (with Darknet's aliases, src/parser.c string_to_layer_type) → builder. */
const BUILDERS: Record<string, (r: SectionReader, ctx: LayerContext) => NodeSpec> = {
  convolutional: conv, conv,
  maxpool: maxpool, max: maxpool,
  avgpool, avg: avgpool,
  connected, conn: connected,
  softmax, soft: softmax,
  dropout: (r, ctx) => ({ kind: 'identity', id: ctx.id, name: `${ctx.id} dropout`, inputs: [prev(ctx)] }),
  route, shortcut, reorg, upsample, crop, region, yolo,
  activation: (r, ctx) => ({ kind: 'activation', id: ctx.id, name: `${ctx.id} activation`, inputs: [prev(ctx)], activation: act(r, 'linear') }),
  logistic: (r, ctx) => ({ kind: 'activation', id: ctx.id, name: `${ctx.id} logistic`, inputs: [prev(ctx)], activation: 'logistic' }),
};

export function buildLayer(r: SectionReader, ctx: LayerContext): NodeSpec {
  const build = BUILDERS[r.section.type];
  if (!build) throw r.error(`unknown section [${r.section.type}]`);
  return build(r, ctx);
}

function conv(r: SectionReader, ctx: LayerContext): NodeSpec {
  r.unsupported('binary', 'xnor', 'flipped', 'antialiasing');
  const filters = r.int('filters', undefined, 1);
  const size = r.int('size', 1, 1);
  const stride = strides(r, 1);
  const groups = r.int('groups', 1, 1);
  const [p] = darknetConvPad(size, r.int('pad', 0), r.has('padding') ? r.int('padding', 0, 0) : undefined);
  const g = groups > 1 ? ` g${groups}` : '';
  return {
    kind: 'conv2d', id: ctx.id, name: `${ctx.id} conv ${size}x${size}/${stride[0]} ${filters}${g}`, inputs: [prev(ctx)],
    size: [size, size], stride, dilation: [r.int('dilation', 1, 1), r.int('dilation', 1, 1)],
    pad: { top: p, bottom: p, left: p, right: p }, groups, filters,
    batchNorm: r.int('batch_normalize', 0) !== 0, activation: act(r, 'logistic'),
  };
}

function maxpool(r: SectionReader, ctx: LayerContext): NodeSpec {
  r.unsupported('maxpool_depth', 'antialiasing');
  const stride = strides(r, 1);
  const size = r.int('size', r.int('stride', 1, 1), 1);
  const [lo, hi] = darknetPoolPad(size, r.has('padding') ? r.int('padding', 0, 0) : undefined);
  return {
    kind: 'maxpool', id: ctx.id, name: `${ctx.id} max ${size}x${size}/${stride[0]}`, inputs: [prev(ctx)], global: false,
    size: [size, size], stride, pad: { top: lo, bottom: hi, left: lo, right: hi },
  };
}

/** Darknet's avgpool is always global (src/avgpool_layer.c). */
function avgpool(r: SectionReader, ctx: LayerContext): NodeSpec {
  const x = shapeOf(ctx, prev(ctx));
  return {
    kind: 'avgpool', id: ctx.id, name: `${ctx.id} avg`, inputs: [prev(ctx)], global: true,
    size: [x.h, x.w], stride: [1, 1], pad: { top: 0, bottom: 0, left: 0, right: 0 },
  };
}

function connected(r: SectionReader, ctx: LayerContext): NodeSpec {
  const units = r.int('output', undefined, 1);
  return {
    kind: 'dense', id: ctx.id, name: `${ctx.id} connected ${units}`, inputs: [prev(ctx)], units,
    batchNorm: r.int('batch_normalize', 0) !== 0, activation: act(r, 'logistic'),
  };
}

function softmax(r: SectionReader, ctx: LayerContext): NodeSpec {
  const groups = r.int('groups', 1);
  if (groups !== 1) throw r.error(`softmax groups=${groups} is not supported (only 1)`, 'groups');
  if (r.has('tree')) throw r.error('softmax tree is not supported', 'tree');
  // Darknet softmaxes the flattened vector; the IR softmaxes channels per pixel: equal only on 1×1.
  const x = shapeOf(ctx, prev(ctx));
  if (x.h !== 1 || x.w !== 1) throw r.error(`softmax over a ${fmtShape(x)} map is not supported (needs 1x1xC)`);
  return { kind: 'softmax', id: ctx.id, name: `${ctx.id} softmax`, inputs: [prev(ctx)], temperature: r.num('temperature', 1) };
}

function route(r: SectionReader, ctx: LayerContext): NodeSpec {
  const layers = r.ints('layers').map((v) => ref(r, ctx, 'layers', v));
  if (layers.length === 0) throw r.error('route needs at least one layer', 'layers');
  const groups = r.int('groups', 1, 1);
  const groupId = r.int('group_id', 0, 0);
  // AlexeyAB splits each input into groups; the IR splits the concatenation: equal for one input.
  if (groups > 1 && layers.length > 1) throw r.error('route groups with more than one layer is not supported', 'groups');
  const g = groups > 1 ? ` g${groupId}/${groups}` : '';
  return { kind: 'concat', id: ctx.id, name: `${ctx.id} route ${layers.join(' ')}${g}`, inputs: layers, groups, groupId };
}

/**
 * Darknet adds `from` into the previous layer's output; unequal shapes (resnet50.cfg) add the first
 * min(C) channels, sampling `from` at an integer stride (src/blas.c shortcut_cpu, AddNode.shortcutStride).
 */
function shortcut(r: SectionReader, ctx: LayerContext): NodeSpec {
  const from = ref(r, ctx, 'from', r.int('from'));
  if (r.num('alpha', 1) !== 1 || r.num('beta', 1) !== 1) throw r.error('shortcut alpha/beta other than 1 are not supported');
  const a = shapeOf(ctx, prev(ctx));
  const b = shapeOf(ctx, from);
  const base = { kind: 'add', id: ctx.id, name: `${ctx.id} shortcut ${from}`, inputs: [prev(ctx), from], activation: act(r, 'linear') } as const;
  if (a.h === b.h && a.w === b.w && a.c === b.c) return base;
  const stride = shortcutStrideFor(a, b);
  if (stride === undefined) {
    throw r.error(`shortcut from layer ${from} (${fmtShape(b)}) does not fit layer ${ctx.id - 1} (${fmtShape(a)}): ` +
      'height and width must be equal or an integer multiple', 'from');
  }
  return { ...base, shortcutStride: stride };
}

function reorg(r: SectionReader, ctx: LayerContext): NodeSpec {
  r.unsupported('reverse', 'flatten', 'extra');
  const stride = r.int('stride', 1, 1);
  return { kind: 'reorg', id: ctx.id, name: `${ctx.id} reorg /${stride}`, inputs: [prev(ctx)], stride };
}

function upsample(r: SectionReader, ctx: LayerContext): NodeSpec {
  const stride = r.int('stride', 2);
  if (stride < 1) throw r.error(`upsample stride=${stride} (downsampling) is not supported`, 'stride');
  return {
    kind: 'upsample', id: ctx.id, name: `${ctx.id} upsample x${stride}`, inputs: [prev(ctx)], stride, mode: 'nearest',
    scale: r.num('scale', 1), alignCorners: false, halfPixelCenters: false,
  };
}

/** At inference Darknet centres the crop and maps x → 2x − 1 unless noadjust (src/crop_layer.c). */
function crop(r: SectionReader, ctx: LayerContext): NodeSpec {
  const x = shapeOf(ctx, prev(ctx));
  const sc = ctx.inputScale ?? { h: 1, w: 1 };
  const h = Math.max(1, Math.round(r.int('crop_height', undefined, 1) * sc.h));
  const w = Math.max(1, Math.round(r.int('crop_width', undefined, 1) * sc.w));
  const noadjust = r.int('noadjust', 0) !== 0;
  return {
    kind: 'crop', id: ctx.id, name: `${ctx.id} crop ${h}x${w}`, inputs: [prev(ctx)], out: { h, w, c: x.c },
    top: Math.floor((x.h - h) / 2), left: Math.floor((x.w - w) / 2), scale: noadjust ? 1 : 2, shift: noadjust ? 0 : -1,
  };
}

function region(r: SectionReader, ctx: LayerContext): NodeSpec {
  if (r.has('tree') || r.int('softmax', 1) !== 1) throw r.error('region without a plain class softmax (softmax=1, no tree) is not supported');
  const num = r.int('num', 1, 1);
  const anchors = r.nums('anchors', []);
  if (anchors.length !== 2 * num) throw r.error(`region needs 2*num = ${2 * num} anchors, got ${anchors.length}`, 'anchors');
  return {
    kind: 'region', id: ctx.id, name: `${ctx.id} region`, inputs: [prev(ctx)], anchors, num,
    classes: r.int('classes', 20, 1), coords: r.int('coords', 4, 1),
  };
}

function yolo(r: SectionReader, ctx: LayerContext): NodeSpec {
  const num = r.int('num', 1, 1);
  const mask = r.ints('mask', [...Array(num).keys()]);
  if (mask.some((m) => m < 0 || m >= num)) throw r.error(`yolo mask entries must be in 0..${num - 1}`, 'mask');
  const anchors = r.nums('anchors', []);
  if (anchors.length !== 2 * num) throw r.error(`yolo needs 2*num = ${2 * num} anchors, got ${anchors.length}`, 'anchors');
  return { kind: 'yolo', id: ctx.id, name: `${ctx.id} yolo`, inputs: [prev(ctx)], anchors, mask, classes: r.int('classes', 20, 1) };
}
