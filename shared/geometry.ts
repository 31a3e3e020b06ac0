/**
 * Geometry: output sizes, padding rules and receptive regions. The ONLY place of this math
 * (STYLE.md §5), so planner and worker can't disagree.
 */
import { assert } from './errors.ts';

/** Output length of a sliding window over `n` inputs with leading/trailing padding (PAPER §2.3). */
export function windowOutSize(n: number, size: number, stride: number, dilation: number, padLo: number, padHi: number): number {
  const span = (size - 1) * dilation + 1;
  const out = Math.floor((n + padLo + padHi - span) / stride) + 1;
  assert(out >= 1, () => `geometry: window size=${size} stride=${stride} dilation=${dilation} pad=${padLo}+${padHi} does not fit input ${n}`);
  return out;
}

/** Darknet conv: `pad=1` means ⌊size/2⌋ each side, else `padding=` (default 0) each side (src/parser.c). */
export function darknetConvPad(size: number, padFlag: number, padding: number | undefined): [number, number] {
  const p = padFlag ? Math.floor(size / 2) : (padding ?? 0);
  return [p, p];
}

/**
 * Darknet maxpool: total padding defaults to size−1 unless `padding=` is set; leading ⌊total/2⌋,
 * the rest trailing; output ⌊(H + total − F)/S⌋ + 1 (src/maxpool_layer.c, PAPER §2.3).
 */
export function darknetPoolPad(size: number, padding: number | undefined): [number, number] {
  const total = padding ?? size - 1;
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** TensorFlow "SAME": total = max((out−1)·S + (F−1)·D + 1 − H, 0), leading ⌊total/2⌋ (PAPER §2.3). */
export function tfSamePad(n: number, size: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + (size - 1) * dilation + 1 - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}
