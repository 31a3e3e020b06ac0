/**
 * Element encodings of tensor messages: float32, IEEE 754 binary16 and symmetric int8, all
 * little-endian on the wire whatever the host. The planner's cost model counts DTYPE_BYTES per element.
 */
export type Dtype = 'float32' | 'float16' | 'int8';

export const DTYPES: readonly Dtype[] = ['float32', 'float16', 'int8'];
export const DTYPE_BYTES: Record<Dtype, number> = { float32: 4, float16: 2, int8: 1 };

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → binary16 bits, rounding to nearest even; overflow → ±Infinity, NaN stays NaN. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15; // rebias
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: m × 2^-24 with m = (1.mant × 2^(exp-127)) / 2^-24 = M >> (14 - e).
    if (e < -10) return sign; // below half of the smallest subnormal: ±0
    return sign | roundShift(mant | 0x800000, 14 - e);
  }
  // A carry out of the mantissa correctly bumps the exponent (and 0x7bff + 1 becomes Infinity).
  return sign | ((e << 10) + roundShift(mant, 13));
}

const F16_MAX_BITS = (127 + 16) << 23; // 65536.0: from here on a half overflows
const DENORM_MAGIC = ((127 - 15) + (23 - 10) + 1) << 23; // 0.5: adding it aligns a subnormal's mantissa
const denormMagic = new Float32Array(new Uint32Array([DENORM_MAGIC]).buffer)[0];

/**
 * float32 bits → binary16 bits, the same result as toHalf (round to nearest even), branch-light
 * for whole tensors: F. Giesen's float_to_half_fast3_rtne. Encoding float16 was 3× float32's cost
 * per element with toHalf; the wire saves 2 bytes per element only if encoding stays cheap.
 */
export function halfFromBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  let x = bits & 0x7fffffff;
  if (x >= F16_MAX_BITS) return sign | (x > 0x7f800000 ? 0x7e00 : 0x7c00);
  if (x < (113 << 23)) {
    // Subnormal half or zero: the float adder rounds the mantissa for us (ties to even).
    u32[0] = x;
    f32[0] += denormMagic;
    return sign | (u32[0] - DENORM_MAGIC);
  }
  const odd = (x >>> 13) & 1;
  x += ((15 - 127) << 23) + 0xfff + odd; // rebias and round to nearest even
  return sign | (x >>> 13);
}

/** v >> shift, rounded to nearest, ties to even. */
function roundShift(v: number, shift: number): number {
  const q = v >>> shift;
  const rem = v & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q;
}

/** binary16 bits → number (exact). */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >>> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

let halfTable: Float32Array | undefined;
/** All 65,536 half values, built on first use (256 KiB): decoding is then one lookup per element. */
function halves(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = fromHalf(i);
  }
  return halfTable;
}

/** int8 scale: max |x| over finite elements / 127 (0 for an all-zero tensor). */
function int8Scale(data: Float32Array): number {
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

export interface Encoded { bytes: Uint8Array; scale?: number; scales?: Float32Array; zeros?: Float32Array }

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

function quantizeAffine(data: Float32Array, scales: Float32Array, zeros: Float32Array): Uint8Array {
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

/**
 * Encode elements; float32 on a little-endian host is a view of `data`, not a copy. int8 per
 * channel needs `channels` (the innermost dimension).
 */
export function writeElements(data: Float32Array, dtype: Dtype, int8?: { scaling: Int8Scaling; channels: number }): Encoded {
  const n = data.length;
  if (dtype === 'float32') {
    if (LITTLE_ENDIAN) return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    const out = new Uint8Array(n * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < n; i++) view.setFloat32(i * 4, data[i], true);
    return { bytes: out };
  }
  if (dtype === 'float16') return { bytes: writeHalves(data) };
  if (int8?.scaling === 'affine') {
    const { scales, zeros } = int8AffineParams(data, int8.channels);
    return { bytes: quantizeAffine(data, scales, zeros), scales, zeros };
  }
  if (int8?.scaling === 'channel') {
    const scales = int8ChannelScales(data, int8.channels);
    return { bytes: quantize(data, scales), scales };
  }
  const scale = int8Scale(data);
  return { bytes: quantize(data, [scale]), scale };
}

function writeHalves(data: Float32Array): Uint8Array {
  const n = data.length;
  const bits = new Uint32Array(data.buffer, data.byteOffset, n);
  if (LITTLE_ENDIAN) {
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = halfFromBits(bits[i]);
    return new Uint8Array(out.buffer);
  }
  const out = new Uint8Array(n * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) view.setUint16(i * 2, halfFromBits(bits[i]), true);
  return out;
}

/** q = round(x / scale) of the element's channel (`scales` has 1 entry per tensor or 1 per channel). */
function quantize(data: Float32Array, scales: ArrayLike<number>): Uint8Array {
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

/**
 * Decode `n` elements from `bytes` (exactly n × DTYPE_BYTES long, at any byte offset) into a new,
 * aligned Float32Array: the result never aliases the received buffer.
 */
export function readElements(bytes: Uint8Array, n: number, dtype: Dtype, scale: number | ArrayLike<number>, zeros?: ArrayLike<number>): Float32Array {
  const out = new Float32Array(n);
  if (dtype === 'float32') {
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(0, n * 4));
    else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
    }
  } else if (dtype === 'float16') {
    const table = halves();
    for (let i = 0; i < n; i++) out[i] = table[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
  } else if (zeros && typeof scale !== 'number') {
    const c = scale.length;
    for (let i = 0; i < n; i += c) for (let k = 0; k < c; k++) out[i + k] = (((bytes[i + k] << 24) >> 24) - zeros[k]) * scale[k];
  } else if (typeof scale === 'number') {
    for (let i = 0; i < n; i++) out[i] = ((bytes[i] << 24) >> 24) * scale; // sign-extend the byte
  } else {
    const c = scale.length;
    for (let i = 0; i < n; i += c) for (let k = 0; k < c; k++) out[i + k] = ((bytes[i + k] << 24) >> 24) * scale[k];
  }
  return out;
}
