/**
 * Element encodings of tensor messages: float32, IEEE 754 binary16 (float16.ts) and int8
 * (int8.ts), all little-endian on the wire whatever the host. The planner's cost model counts
 * DTYPE_BYTES per element.
 */
import { halfFromBits, halves } from './float16.ts';
import { int8AffineParams, int8ChannelScales, int8Scale, quantize, quantizeAffine, type Int8Scaling } from './int8.ts';

export { fromHalf, halfFromBits, toHalf } from './float16.ts';
export { int8AffineParams, int8ChannelScales, type Int8Scaling } from './int8.ts';

export type Dtype = 'float32' | 'float16' | 'int8';

export const DTYPES: readonly Dtype[] = ['float32', 'float16', 'int8'];
export const DTYPE_BYTES: Record<Dtype, number> = { float32: 4, float16: 2, int8: 1 };

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export interface Encoded { bytes: Uint8Array; scale?: number; scales?: Float32Array; zeros?: Float32Array }

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
