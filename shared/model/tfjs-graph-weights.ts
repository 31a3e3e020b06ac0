/**
 * TF.js weights manifest → named constant tensors. The manifest (model.json `weightsManifest`) lists
 * groups of shard files; each group's shards are concatenated and its weights lie back to back in
 * manifest order (tfjs-core io/weights_loader.ts, io_utils.ts decodeWeights). Quantized weights are
 * dequantized here: uint8/uint16 as q·scale + min, float16 by IEEE half → float (exact).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModelFormatError } from '../errors.ts';

export interface WeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number; readonly original_dtype?: string };
}

export interface WeightGroup {
  readonly paths: readonly string[];
  readonly weights: readonly WeightEntry[];
}

/** A constant of the graph: float weights or int32 shape/axis values, flat in row-major order. */
export interface ConstTensor {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly data: Float32Array | Int32Array;
}

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** IEEE 754 half-precision bits → number (every half is exactly representable as float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/** Decode one weight at `offset` of its group's bytes; returns the tensor and the bytes it took. */
function decodeOne(w: WeightEntry, bytes: Uint8Array, offset: number, file: string): [ConstTensor, number] {
  const fail = (d: string): never => { throw new ModelFormatError('tfjs-graph', file, undefined, `weight ${w.name}${d}`); };
  const n = count(w.shape);
  const q = w.quantization;
  const stored = q?.dtype ?? w.dtype;
  const size = STORED_BYTES[stored];
  if (size === undefined || !['float32', 'int32', 'bool'].includes(w.dtype)) fail(`: unsupported dtype '${w.dtype}'${q ? ` quantized as '${stored}'` : ''}`);
  const len = n * size!;
  if (offset + len > bytes.length) fail(` needs bytes ${offset}..${offset + len} but the shards hold ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, len);
  const out = w.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = readValue(view, i, stored, q);
  return [{ shape: w.shape, dtype: w.dtype as ConstTensor['dtype'], data: out }, len];
}

function readValue(view: DataView, i: number, stored: string, q: WeightEntry['quantization']): number {
  switch (stored) {
    case 'float32': return view.getFloat32(i * 4, true);
    case 'int32': return view.getInt32(i * 4, true);
    case 'bool': return view.getUint8(i) ? 1 : 0;
    case 'float16': return halfToFloat(view.getUint16(i * 2, true));
    // Affine quantization (tfjs-converter quantize_weights): value = q·scale + min.
    case 'uint8': return view.getUint8(i) * q!.scale! + q!.min!;
    default: return view.getUint16(i * 2, true) * q!.scale! + q!.min!;
  }
}

/** Decode every weight of `groups` from their shards' bytes (one buffer per group, shards concatenated). */
export function decodeWeights(groups: readonly WeightGroup[], shards: readonly Uint8Array[], file: string): Map<string, ConstTensor> {
  const out = new Map<string, ConstTensor>();
  groups.forEach((g, k) => {
    let offset = 0;
    for (const w of g.weights) {
      const [t, len] = decodeOne(w, shards[k]!, offset, file);
      out.set(w.name, t);
      offset += len;
    }
  });
  return out;
}

/** Read each group's shard files (paths relative to model.json) and concatenate them per group. */
export async function readShards(modelPath: string, groups: readonly WeightGroup[]): Promise<Uint8Array[]> {
  const dir = dirname(modelPath);
  return Promise.all(groups.map(async (g) => {
    const parts = await Promise.all(g.paths.map(async (p) => {
      try {
        return await readFile(join(dir, p));
      } catch (e) {
        throw new ModelFormatError('tfjs-graph', modelPath, undefined, `cannot read weight shard '${p}': ${(e as Error).message}`);
      }
    }));
    const total = parts.reduce((a, b) => a + b.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const b of parts) { all.set(b, at); at += b.length; }
    return all;
  }));
}
