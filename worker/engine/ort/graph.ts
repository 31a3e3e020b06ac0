/**
 * A small ONNX graph builder: named values, constant initializers, nodes with typed attributes,
 * and `encode()` to ModelProto bytes (opset 17, IR 8). Value names are generated, so exporters only
 * pass the strings `op()` returns.
 */
import { AttrType, DataType, ModelProto } from './onnx-proto.ts';

export type Attr = number | string | readonly number[] | { readonly floats: readonly number[] } | { readonly float: number };

const OPSET = 17;

interface TensorOut { name: string; dims: number[]; dataType: number; rawData: Uint8Array }

function attribute(name: string, v: Attr): Record<string, unknown> {
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: AttrType.INT, i: v };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: [...v.floats] };
  return { name, type: AttrType.INTS, ints: [...(v as readonly number[])] };
}

function valueInfo(name: string, dims: readonly number[]): Record<string, unknown> {
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export class OnnxGraph {
  readonly #nodes: Record<string, unknown>[] = [];
  readonly #inits: TensorOut[] = [];
  readonly #inputs: Record<string, unknown>[] = [];
  readonly #outputs: Record<string, unknown>[] = [];
  readonly #consts = new Map<string, string>();
  #n = 0;

  #fresh(prefix: string): string {
    return `${prefix}_${this.#n++}`;
  }

  input(name: string, dims: readonly number[]): string {
    this.#inputs.push(valueInfo(name, dims));
    return name;
  }

  output(value: string, name: string, dims: readonly number[]): void {
    this.#nodes.push({ opType: 'Identity', input: [value], output: [name], name: this.#fresh('out') });
    this.#outputs.push(valueInfo(name, dims));
  }

  /** A float32 initializer. */
  floats(data: Float32Array, dims: readonly number[]): string {
    const name = this.#fresh('w');
    this.#inits.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: bytesOf(data) });
    return name;
  }

  /** An int64 initializer (Slice starts, Reshape shapes, Gather indices); small ones are shared. */
  ints(values: ArrayLike<number>, dims: readonly number[] = [values.length]): string {
    const key = values.length <= 16 ? `${dims}|${Array.from(values)}` : undefined;
    const hit = key !== undefined ? this.#consts.get(key) : undefined;
    if (hit !== undefined) return hit;
    const name = this.#fresh('i');
    this.#inits.push({ name, dims: [...dims], dataType: DataType.INT64, rawData: bytesOf(BigInt64Array.from(Array.from(values), BigInt)) });
    if (key !== undefined) this.#consts.set(key, name);
    return name;
  }

  /** A float scalar constant (broadcasts). */
  scalar(v: number): string {
    const key = `f|${v}`;
    const hit = this.#consts.get(key);
    if (hit !== undefined) return hit;
    const name = this.floats(Float32Array.of(v), []);
    this.#consts.set(key, name);
    return name;
  }

  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}): string {
    const out = this.#fresh(opType.toLowerCase());
    this.#nodes.push({
      opType, input: [...inputs], output: [out], name: out,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  encode(name: string): Uint8Array {
    const graph = { name, node: this.#nodes, initializer: this.#inits, input: this.#inputs, output: this.#outputs };
    const model = { irVersion: 8, producerName: 'deeperthings', graph, opsetImport: [{ domain: '', version: OPSET }] };
    // Plain objects in the descriptor's shape encode directly (fromObject would copy every weight byte).
    return ModelProto.encode(model).finish();
  }
}
