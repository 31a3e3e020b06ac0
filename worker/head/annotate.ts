/**
 * Snapshot drawing: box outlines in a colour per class and a label band, on a copy of the frame
 * (encode it with encodeJpeg). There is no font: the band's colour names the class and a white
 * bar along its bottom edge shows the score.
 */
import type { RgbImage } from '../engine/image.ts';
import type { Detection } from './types.ts';

export interface AnnotateOptions {
  /** Class count, for spreading colours over the palette (Darknet: the model's classes). */
  readonly classes?: number;
  /** Outline width in pixels; default Darknet's height·0.006, kept within 2..3. */
  readonly thickness?: number;
  /** Draw the label band above each box. */
  readonly band?: boolean;
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

const BAND_HEIGHT = 10;

function band(img: RgbImage, d: Detection, colour: Rgb): void {
  const [x1, y1, x2] = d.box;
  // Above the box, or just inside it when the box touches the top edge.
  const top = y1 >= BAND_HEIGHT ? y1 - BAND_HEIGHT : y1;
  const width = Math.min(x2 - x1, Math.max(24, 7 * d.label.length));
  fillRect(img, x1, top, x1 + width, top + BAND_HEIGHT - 1, colour);
  const score = Math.min(Math.max(d.score, 0), 1);
  if (score > 0) fillRect(img, x1, top + BAND_HEIGHT - 2, x1 + width * score, top + BAND_HEIGHT - 1, [255, 255, 255]);
}

/** A copy of `img` with every detection drawn; the input stays untouched. */
export function annotate(img: RgbImage, detections: readonly Detection[], opts: AnnotateOptions = {}): RgbImage {
  const out: RgbImage = { width: img.width, height: img.height, data: img.data.slice() };
  const classes = opts.classes ?? Math.max(80, ...detections.map((d) => d.classId + 1));
  const t = opts.thickness ?? Math.min(3, Math.max(2, Math.round(img.height * 0.006)));
  // Lowest score first, so the strongest detection ends up on top.
  for (const d of [...detections].sort((a, b) => a.score - b.score)) {
    const colour = classColour(d.classId, classes);
    outline(out, d.box, t, colour);
    if (opts.band ?? true) band(out, d, colour);
  }
  return out;
}
