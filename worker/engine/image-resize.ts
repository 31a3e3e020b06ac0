/**
 * From a decoded frame to the model's input tensor, the Darknet way, and back from network boxes
 * to frame pixels. Resize and letterbox follow pjreddie/darknet src/image.c (resize_image,
 * letterbox_image); the box mapping follows src/region_layer.c correct_region_boxes.
 */
import type { Preprocess, Shape3 } from '../../shared/model/ir.ts';
import { tensor3, type Tensor3 } from '../../shared/tensor.ts';
import { assert } from '../../shared/errors.ts';
import type { RgbImage } from './image-header.ts';

/**
 * Where the frame sits inside the network input. Plain data, so it can travel with a frame from
 * the ingest task to the head task.
 */
export interface BoxTransform {
  /** The source frame, in pixels. */
  readonly image: { readonly w: number; readonly h: number };
  /** The network input, in pixels. */
  readonly net: { readonly w: number; readonly h: number };
  /** The resized frame's rectangle inside the network input (the whole input for 'stretch'). */
  readonly content: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
}

export interface ModelInput {
  readonly tensor: Tensor3;
  readonly transform: BoxTransform;
}

/**
 * Darknet resize_image on an H×W×C float map: two separable linear passes, horizontal first, with
 * scale (in−1)/(out−1) so the corner pixels map onto each other. One deliberate difference: the
 * last output row takes the last input row outright. Darknet computes it as (1−dy)·row(iy) from
 * sy = r·h_scale in float, and for many sizes (e.g. 4 → 320 rows) sy lands just below in−1, which
 * blackens that row; the horizontal pass already clamps the last column this way.
 */
export function resizeImage(src: Float32Array, sw: number, sh: number, c: number, dw: number, dh: number): Float32Array {
  assert(src.length === sw * sh * c && dw >= 1 && dh >= 1,
    () => `image: resize ${sw}x${sh}x${c} (${src.length} values) to ${dw}x${dh} is invalid`);
  const part = new Float32Array(dw * sh * c);
  const wScale = (sw - 1) / (dw - 1);
  for (let r = 0; r < sh; r++) {
    for (let x = 0; x < dw; x++) {
      const o = (r * dw + x) * c;
      if (x === dw - 1 || sw === 1) {
        const i = (r * sw + sw - 1) * c;
        for (let k = 0; k < c; k++) part[o + k] = src[i + k]!;
        continue;
      }
      const sx = x * wScale;
      const ix = Math.floor(sx);
      const dx = sx - ix;
      const i = (r * sw + ix) * c;
      for (let k = 0; k < c; k++) part[o + k] = (1 - dx) * src[i + k]! + dx * src[i + c + k]!;
    }
  }
  const out = new Float32Array(dw * dh * c);
  const hScale = (sh - 1) / (dh - 1);
  const rowLen = dw * c;
  for (let y = 0; y < dh; y++) {
    const o = y * rowLen;
    if (y === dh - 1 || sh === 1) {
      out.set(part.subarray((sh - 1) * rowLen, sh * rowLen), o);
      continue;
    }
    const sy = y * hScale;
    const iy = Math.floor(sy);
    const dy = sy - iy;
    const a = iy * rowLen;
    for (let j = 0; j < rowLen; j++) out[o + j] = (1 - dy) * part[a + j]! + dy * part[a + rowLen + j]!;
  }
  return out;
}

/**
 * Darknet letterbox_image geometry: scale to fit keeping the aspect ratio (integer division, the
 * comparison in float as in C), centred with integer offsets.
 */
export function letterboxSize(imW: number, imH: number, netW: number, netH: number): BoxTransform['content'] {
  let w: number;
  let h: number;
  if (Math.fround(netW / imW) < Math.fround(netH / imH)) {
    w = netW;
    h = Math.max(1, Math.trunc((imH * netW) / imW));
  } else {
    h = netH;
    w = Math.max(1, Math.trunc((imW * netH) / imH));
  }
  return { x: Math.trunc((netW - w) / 2), y: Math.trunc((netH - h) / 2), w, h };
}

/** Frame → H×W×C float32 input: scale, stretch or letterbox (0.5 grey fill), then mean/std. */
export function toModelInput(img: RgbImage, input: Shape3, pre: Preprocess): ModelInput {
  assert(input.c === 3, () => `image: model input has ${input.c} channels; only RGB (3) frames are supported`);
  assert(img.data.length === img.width * img.height * 3,
    () => `image: RGB data of ${img.data.length} bytes does not match ${img.width}x${img.height}`);
  const src = new Float32Array(img.data.length);
  for (let i = 0; i < src.length; i++) src[i] = img.data[i]! * pre.scale;
  const content = pre.resize === 'stretch'
    ? { x: 0, y: 0, w: input.w, h: input.h }
    : letterboxSize(img.width, img.height, input.w, input.h);
  const resized = resizeImage(src, img.width, img.height, 3, content.w, content.h);
  let data = resized;
  if (pre.resize === 'letterbox') {
    // Darknet fills with 0.5 on its 0..1 scale: mid-grey in whatever units `scale` produces.
    data = new Float32Array(input.h * input.w * 3).fill(127.5 * pre.scale);
    for (let y = 0; y < content.h; y++) {
      data.set(resized.subarray(y * content.w * 3, (y + 1) * content.w * 3), ((y + content.y) * input.w + content.x) * 3);
    }
  }
  normalise(data, pre);
  const transform: BoxTransform = { image: { w: img.width, h: img.height }, net: { w: input.w, h: input.h }, content };
  return { tensor: tensor3({ h: input.h, w: input.w, c: 3 }, data), transform };
}

function normalise(data: Float32Array, pre: Preprocess): void {
  if (!pre.mean && !pre.std) return;
  const pick = (v: readonly number[] | undefined, k: number, dflt: number) => (v ? v[v.length === 1 ? 0 : k]! : dflt);
  for (const [name, v] of [['mean', pre.mean], ['std', pre.std]] as const) {
    assert(!v || v.length === 1 || v.length === 3, () => `image: preprocess ${name} has ${v!.length} values; expected 1 or 3`);
  }
  for (let i = 0; i < data.length; i++) {
    const k = i % 3;
    data[i] = (data[i]! - pick(pre.mean, k, 0)) / pick(pre.std, k, 1);
  }
}

/** An axis-aligned box [x1, y1, x2, y2]. */
export type Box = readonly [number, number, number, number];

/**
 * Which letterbox offset a head subtracts: `embedded` is the integer offset letterbox_image really
 * placed the frame at; `darknet` is correct_region_boxes' float (net − new)/2 (src/region_layer.c,
 * src/yolo_layer.c), e.g. (416 − 275)/2 = 70.5 where the frame sits at row 70. Darknet heads use
 * `darknet` to match the reference boxes (issue 10 item 17); the two differ by half a network pixel.
 */
export type LetterboxOffset = 'embedded' | 'darknet';

/** A box in network-relative units (0..1 of the network input) → frame pixels, unclamped. */
export function boxToImage(t: BoxTransform, b: Box, offset: LetterboxOffset = 'embedded'): [number, number, number, number] {
  const sx = t.image.w / t.content.w;
  const sy = t.image.h / t.content.h;
  const ox = offset === 'darknet' ? (t.net.w - t.content.w) / 2 : t.content.x;
  const oy = offset === 'darknet' ? (t.net.h - t.content.h) / 2 : t.content.y;
  return [(b[0] * t.net.w - ox) * sx, (b[1] * t.net.h - oy) * sy, (b[2] * t.net.w - ox) * sx, (b[3] * t.net.h - oy) * sy];
}

/** Clamp a pixel box to the frame: x in [0, width], y in [0, height]. */
export function clampBox(t: BoxTransform, b: Box): [number, number, number, number] {
  const cx = (v: number) => Math.min(Math.max(v, 0), t.image.w);
  const cy = (v: number) => Math.min(Math.max(v, 0), t.image.h);
  return [cx(b[0]), cy(b[1]), cx(b[2]), cy(b[3])];
}
