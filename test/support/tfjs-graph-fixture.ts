/**
 * Hand-made TF.js graph models for the importer tests: a tiny builder that writes model.json
 * (GraphDef as JSON, attributes encoded the way tfjs-converter writes them) and the weight bytes,
 * optionally quantized, plus a loader that runs the same files through tfjs's own GraphModel
 * executor, the reference the importer must match.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import type { ModelJson } from '../../shared/model/tfjs-graph-parse.ts';
import type { WeightEntry } from '../../shared/model/tfjs-graph-weights.ts';
import { mulberry32 } from '../../shared/model/synthetic.ts';

type Attr = Record<string, unknown>;
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Attribute values as tfjs-converter writes them. */
export const A = {
  s: (v: string) => ({ s: b64(v) }),
  i: (v: number) => ({ i: String(v) }),
  f: (v: number) => ({ f: v }),
  b: (v: boolean) => ({ b: v }),
  ints: (v: number[]) => ({ list: { i: v.map(String) } }),
  strs: (v: string[]) => ({ list: { s: v.map(b64) } }),
  float: { type: 'DT_FLOAT' },
};

/** Float → IEEE half bits (round to nearest even; finite normal range is all the tests need). */
export function floatToHalf(v: number): number {
  const f32 = new Float32Array([v]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  let mant = x & 0x7fffff;
  let e = exp;
  const round = mant & 0x1fff;
  mant >>= 13;
  if (round > 0x1000 || (round === 0x1000 && mant & 1)) mant++;
  if (mant === 0x400) { mant = 0; e++; }
  return sign | (e << 10) | mant;
}

/** A seeded generator in [-a, a). */
export function rng(seed: number, a = 1): () => number {
  const r = mulberry32(seed);
  return () => (r() * 2 - 1) * a;
}

export type Quant = 'float32' | 'float16' | 'uint8' | 'uint16';

export class GraphFixture {
  readonly #nodes: { name: string; op: string; input: string[]; attr: Attr }[] = [];
  readonly #weights: WeightEntry[] = [];
  readonly #bytes: Uint8Array[] = [];
  readonly #outputs: string[] = [];

  input(name: string, shape: number[]): string {
    this.#nodes.push({ name, op: 'Placeholder', input: [], attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } } });
    return name;
  }

  /** A constant stored in the weights manifest (int32 for shapes/axes, else float in `quant`). */
  const(name: string, shape: number[], values: number[], quant: Quant | 'int32' = 'float32'): string {
    this.#nodes.push({ name, op: 'Const', input: [], attr: { dtype: { type: quant === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } });
    if (quant === 'int32' || quant === 'float32') {
      const arr = quant === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
      this.#weights.push({ name, shape, dtype: quant === 'int32' ? 'int32' : 'float32' });
      this.#bytes.push(new Uint8Array(arr.buffer));
    } else if (quant === 'float16') {
      this.#weights.push({ name, shape, dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } });
      this.#bytes.push(new Uint8Array(Uint16Array.from(values, floatToHalf).buffer));
    } else {
      const levels = quant === 'uint8' ? 255 : 65535;
      const min = Math.min(...values), scale = (Math.max(...values) - min) / levels || 1;
      const q = values.map((v) => Math.round((v - min) / scale));
      this.#weights.push({ name, shape, dtype: 'float32', quantization: { dtype: quant, scale, min, original_dtype: 'float32' } });
      this.#bytes.push(quant === 'uint8' ? Uint8Array.from(q) : new Uint8Array(Uint16Array.from(q).buffer));
    }
    return name;
  }

  /** A random float constant of `shape`. */
  rand(name: string, shape: number[], seed: number, quant: Quant = 'float32', scale = 0.5): string {
    const r = rng(seed, scale);
    return this.const(name, shape, Array.from({ length: shape.reduce((a, d) => a * d, 1) }, r), quant);
  }

  op(name: string, op: string, input: string[], attr: Attr = {}): string {
    this.#nodes.push({ name, op, input, attr: { T: A.float, ...attr } });
    return name;
  }

  output(name: string): void {
    this.#outputs.push(name);
  }

  json(): ModelJson {
    const outputs = Object.fromEntries(this.#outputs.map((o) => [o, { name: o }]));
    return {
      format: 'graph-model',
      modelTopology: { node: this.#nodes as never, library: {}, versions: {} } as never,
      weightsManifest: [{ paths: ['weights.bin'], weights: this.#weights }],
      ...(this.#outputs.length > 0 ? { signature: { outputs } } : {}),
    } as ModelJson;
  }

  weightBytes(): Uint8Array {
    const total = this.#bytes.reduce((a, b) => a + b.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const b of this.#bytes) { out.set(b, at); at += b.length; }
    return out;
  }
}

/** tfjs's own GraphModel on a model.json object and its weight bytes (one manifest group). */
export function tfjsGraphModel(json: ModelJson, bytes: Uint8Array): Promise<GraphModel> {
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights) as never;
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology as never, weightSpecs, weightData }));
}
