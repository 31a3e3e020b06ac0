/**
 * Snapshot drawing: box outlines in a colour per class and a label band with the class and score
 * ("dog 0.87"), on a copy of the frame (encode it with encodeFrameJpeg), as Darknet's draw_detections
 * and Frigate's snapshots show them. The text uses the built-in bitmap font (font.ts): no system
 * fonts here, and no font library.
 */
import type { RgbImage } from '../engine/image.ts';
import type { Detection } from './types.ts';
import { drawText, GLYPH_H, textWidth } from './font.ts';

export interface AnnotateOptions {
  /** Class count, for spreading colours over the palette (Darknet: the model's classes). */
  readonly classes?: number;
  /** Outline width in pixels; default Darknet's height·0.006, kept within 2..3. */
  readonly thickness?: number;
  /** Draw the label band (class and score) above each box. */
  readonly band?: boolean;
  /** Font dots per pixel; default from the frame height as Darknet sizes labels (height·0.03), 1..4. */
  readonly textScale?: number;
}

type Rgb = readonly [number, number, number];

const PALETTE: readonly Rgb[] = [[1, 0, 1], [0, 0, 1], [0, 1, 1], [0, 1, 0], [1, 1, 0], [1, 0, 0]];

/** Darknet image.c get_color with offset = class·123457 mod classes (draw_detections); PALETTE is BGR-ordered there. */
export function classColour(classId: number, classes: number): Rgb {
  const n = Math.max(classes, 1);
  const offset = (classId * 123457) % n;
  const ratio = (offset / n) * 5;
  const i = Math.floor(ratio);
  const j = Math.ceil(ratio);
  const f = ratio - i;
  // Darknet names colors[][c] with c = 2 → red, 1 → green, 0 → blue.
  const ch = (c: number) => Math.round(255 * ((1 - f) * PALETTE[i]![c]! + f * PALETTE[j]![c]!));
  return [ch(2), ch(1), ch(0)];
}

function fillRect(img: RgbImage, x1: number, y1: number, x2: number, y2: number, colour: Rgb): void {
  const xa = Math.max(0, Math.round(x1));
  const xb = Math.min(img.width - 1, Math.round(x2));
  const ya = Math.max(0, Math.round(y1));
  const yb = Math.min(img.height - 1, Math.round(y2));
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const o = (y * img.width + x) * 3;
      img.data[o] = colour[0];
      img.data[o + 1] = colour[1];
      img.data[o + 2] = colour[2];
    }
  }
}

/** Outline drawn inwards from the box edges, like Darknet's draw_box_width. */
function outline(img: RgbImage, box: Detection['box'], t: number, colour: Rgb): void {
  const [x1, y1, x2, y2] = box.map(Math.round) as [number, number, number, number];
  fillRect(img, x1, y1, x2, y1 + t - 1, colour);
  fillRect(img, x1, y2 - t + 1, x2, y2, colour);
  fillRect(img, x1, y1, x1 + t - 1, y2, colour);
  fillRect(img, x2 - t + 1, y1, x2, y2, colour);
}

/** The label text: class and score with two decimals, e.g. "dog 0.87". */
export function labelText(d: Detection): string {
  return `${d.label} ${d.score.toFixed(2)}`;
}

/** Black text on light bands, white on dark ones (ITU-R BT.601 luma). */
function inkFor(c: Rgb): Rgb {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] >= 128 ? [0, 0, 0] : [255, 255, 255];
}

/** Where the band of `d` goes: above the box, or inside it at the top edge; kept within the frame. */
export function bandRect(img: RgbImage, d: Detection, scale: number): { x: number; y: number; w: number; h: number } {
  const h = (GLYPH_H + 2) * scale;
  const w = Math.min(img.width, textWidth(labelText(d), scale) + 2 * scale);
  const x1 = Math.round(d.box[0]), y1 = Math.round(d.box[1]);
  return { x: Math.max(0, Math.min(x1, img.width - w)), y: Math.max(0, y1 >= h ? y1 - h : y1), w, h };
}

function band(img: RgbImage, d: Detection, colour: Rgb, scale: number): void {
  const r = bandRect(img, d, scale);
  fillRect(img, r.x, r.y, r.x + r.w - 1, r.y + r.h - 1, colour);
  drawText(img, labelText(d), r.x + scale, r.y + scale, scale, inkFor(colour));
}

/** A copy of `img` with every detection drawn; the input stays untouched. */
export function annotate(img: RgbImage, detections: readonly Detection[], opts: AnnotateOptions = {}): RgbImage {
  const out: RgbImage = { width: img.width, height: img.height, data: img.data.slice() };
  const classes = opts.classes ?? Math.max(80, ...detections.map((d) => d.classId + 1));
  const t = opts.thickness ?? Math.min(3, Math.max(2, Math.round(img.height * 0.006)));
  const scale = opts.textScale ?? Math.min(4, Math.max(1, Math.round((img.height * 0.03) / 8)));
  // Lowest score first, so the strongest detection ends up on top.
  for (const d of [...detections].sort((a, b) => a.score - b.score)) {
    const colour = classColour(d.classId, classes);
    outline(out, d.box, t, colour);
    if (opts.band ?? true) band(out, d, colour, scale);
  }
  return out;
}
