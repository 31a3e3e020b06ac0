/**
 * IEEE 754 binary16 elements (dtype `float16`): conversions from float32 (rounding to nearest even)
 * and back, for the tensor codec (elements.ts).
 */

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
export function halves(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = fromHalf(i);
  }
  return halfTable;
}
