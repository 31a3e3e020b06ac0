/**
 * int8 elements: the scales (per tensor or per channel, symmetric) or scales and zero points
 * (per channel, affine) and the quantisation itself, for the tensor codec (elements.ts).
 */

/** int8 scale: max |x| over finite elements / 127 (0 for an all-zero tensor). */
export function int8Scale(data: Float32Array): number {
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (a > max && a !== Infinity) max = a;
  }
  return max / 127;
}

/**
 * int8 scales per channel of a channel-last tensor (`c` channels): max |x| / 127 of each channel,
 * rounded to float32 so the header carries them in 4 bytes each and both ends use the same value.
 */
export function int8ChannelScales(data: Float32Array, c: number): Float32Array {
  const max = new Float32Array(c);
  for (let i = 0; i < data.length; i += c) {
    for (let k = 0; k < c; k++) {
      const a = Math.abs(data[i + k]);
      if (a > max[k] && a !== Infinity) max[k] = a;
    }
  }
  for (let k = 0; k < c; k++) max[k] = max[k] / 127;
  return max;
}

/**
 * How int8 elements are scaled: one scale per tensor, one per channel (channel-last), or one scale
 * and zero point per channel (`affine`: element = (q − zero) × scale, q over the channel's own
 * [min, max] with 0 exact). Activations after ReLU or leaky ReLU are (nearly) one-signed, so the
 * symmetric code wastes half its 255 levels on values that never occur; affine keeps all of them.
 */
export type Int8Scaling = 'tensor' | 'channel' | 'affine';

/** Per channel affine int8 parameters: scale = (max − min) / 255 over [min(min,0), max(max,0)], zero point an integer in [−128, 127]. */
export function int8AffineParams(data: Float32Array, c: number): { scales: Float32Array; zeros: Float32Array } {
  const lo = new Float32Array(c), hi = new Float32Array(c);
  for (let i = 0; i < data.length; i += c) {
    for (let k = 0; k < c; k++) {
      const v = data[i + k];
      if (!Number.isFinite(v)) continue;
      if (v < lo[k]) lo[k] = v;
      else if (v > hi[k]) hi[k] = v;
    }
  }
  const scales = new Float32Array(c), zeros = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    scales[k] = (hi[k] - lo[k]) / 255;
    zeros[k] = scales[k] > 0 ? Math.max(-128, Math.min(127, -128 - Math.round(lo[k] / scales[k]))) : 0;
  }
  return { scales, zeros };
}

/** q = round(x / scale) + zero of the element's channel, clamped to [−128, 127]; NaN → the zero point. */
export function quantizeAffine(data: Float32Array, scales: Float32Array, zeros: Float32Array): Uint8Array {
  const out = new Int8Array(data.length);
  const c = scales.length;
  for (let i = 0; i < data.length; i += c) {
    for (let k = 0; k < c; k++) {
      const s = scales[k];
      if (!(s > 0)) continue;
      const q = Math.round(data[i + k] / s) + zeros[k];
      out[i + k] = Number.isNaN(q) ? zeros[k] : q > 127 ? 127 : q < -128 ? -128 : q;
    }
  }
  return new Uint8Array(out.buffer);
}

/** q = round(x / scale) of the element's channel (`scales` has 1 entry per tensor or 1 per channel). */
export function quantize(data: Float32Array, scales: ArrayLike<number>): Uint8Array {
  const out = new Int8Array(data.length);
  const c = scales.length;
  for (let i = 0; i < data.length; i += c) {
    for (let k = 0; k < c; k++) {
      const s = scales[k];
      if (!(s > 0)) continue; // an all-zero tensor or channel stays 0
      const q = Math.round(data[i + k] / s); // NaN → 0 below; ±Infinity clamps to ±127
      out[i + k] = Number.isNaN(q) ? 0 : q > 127 ? 127 : q < -127 ? -127 : q;
    }
  }
  return new Uint8Array(out.buffer);
}
