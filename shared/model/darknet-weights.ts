/**
 * Darknet .weights ↔ IR Weights (src/parser.c load_weights / save_weights).
 *
 * File: int32 major, minor, revision; `seen` as uint64 when major·10+minor ≥ 2 (and both < 1000),
 * else uint32; then, per layer in order, float32 little-endian:
 *   conv:      biases[n], (BN: scales[n], rolling_mean[n], rolling_variance[n]), weights [n][c/g][kh][kw]
 *   connected: biases[out], weights [out][in] (in = CHW flatten), (BN: scales, mean, variance)
 * A major or minor above 1000 marks connected weights stored transposed ([in][out]).
 * The IR holds tfjs layouts (ir.ts NodeWeights), so kernels are permuted on read and back on write.
 * Permutations move raw 32-bit patterns, so a round trip is bit-exact (NaN payloads included).
 */
import { ModelFormatError, assert } from '../errors.ts';
import { nodeInputs, type Model, type Node, type NodeWeights, type Shape3, type Weights } from './ir.ts';

export interface DarknetHeader {
  readonly major: number;
  readonly minor: number;
  readonly revision: number;
  readonly seen: bigint;
}

/** What current Darknet writes (major 0, minor 2: 64-bit `seen`). */
const DEFAULT_DARKNET_HEADER: DarknetHeader = { major: 0, minor: 2, revision: 0, seen: 0n };

type Field = 'bias' | 'bnScale' | 'bnMean' | 'bnVariance' | 'kernel';
interface Block { readonly field: Field; readonly count: number }

/** The header as stored at the start of `bytes`, and its length in bytes. */
export function readDarknetHeader(bytes: Uint8Array, file = 'weights'): { header: DarknetHeader; size: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 16) throw new ModelFormatError('darknet-weights', file, undefined, `header needs at least 16 bytes, found ${bytes.byteLength}`);
  const [major, minor, revision] = [dv.getInt32(0, true), dv.getInt32(4, true), dv.getInt32(8, true)];
  if (!wideSeen(major, minor)) return { header: { major, minor, revision, seen: BigInt(dv.getUint32(12, true)) }, size: 16 };
  if (bytes.byteLength < 20) throw new ModelFormatError('darknet-weights', file, undefined, `header v${major}.${minor} needs 20 bytes, found ${bytes.byteLength}`);
  return { header: { major, minor, revision, seen: dv.getBigUint64(12, true) }, size: 20 };
}

/** Parse a .weights file for `model` (a Darknet import: ids = layer indices). */
export function readDarknetWeights(model: Model, bytes: Uint8Array, file = 'weights'): Weights {
  const { header, size } = readDarknetHeader(bytes, file);
  const total = size + 4 * model.nodes.reduce((s, n) => s + blocksOf(model, n).reduce((t, b) => t + b.count, 0), 0);
  const weights: Weights = new Map();
  let off = size;
  let lastName = 'header';
  for (const node of model.nodes) {
    const blocks = blocksOf(model, node);
    if (blocks.length === 0) continue;
    const need = 4 * blocks.reduce((t, b) => t + b.count, 0);
    if (bytes.byteLength - off < need) {
      throw new ModelFormatError('darknet-weights', file, undefined, `truncated at layer ${node.id} (${node.name}): ` +
        `needs ${need} bytes at offset ${off}, found ${bytes.byteLength - off} (file has ${bytes.byteLength} bytes, the model needs ${total})`);
    }
    const nw: NodeWeights = {};
    for (const b of blocks) {
      const raw = copyU32(bytes, off, b.count);
      off += 4 * b.count;
      nw[b.field] = new Float32Array((b.field === 'kernel' ? kernelOrder(model, node, raw, true, transposed(header)) : raw).buffer);
    }
    weights.set(node.id, nw);
    lastName = `layer ${node.id} (${node.name})`;
  }
  if (off !== bytes.byteLength) {
    throw new ModelFormatError('darknet-weights', file, undefined,
      `${bytes.byteLength - off} extra bytes after ${lastName} (file has ${bytes.byteLength} bytes, the model needs ${total})`);
  }
  return weights;
}

/** Serialise `weights` in Darknet's layout; the inverse of readDarknetWeights, bit for bit. */
export function writeDarknetWeights(model: Model, weights: Weights, header: DarknetHeader = DEFAULT_DARKNET_HEADER): Uint8Array {
  const plan = model.nodes.map((n) => ({ node: n, blocks: blocksOf(model, n) }));
  const hsize = wideSeen(header.major, header.minor) ? 20 : 16;
  const total = hsize + 4 * plan.reduce((s, p) => s + p.blocks.reduce((t, b) => t + b.count, 0), 0);
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  dv.setInt32(0, header.major, true);
  dv.setInt32(4, header.minor, true);
  dv.setInt32(8, header.revision, true);
  if (hsize === 20) dv.setBigUint64(12, header.seen, true);
  else dv.setUint32(12, Number(header.seen), true);
  let off = hsize;
  for (const { node, blocks } of plan) {
    const nw = weights.get(node.id);
    for (const b of blocks) {
      const arr = nw?.[b.field];
      assert(arr && arr.length === b.count, () =>
        `darknet-weights: layer ${node.id} (${node.name}) ${b.field} has ${arr ? arr.length : 'no'} values, expected ${b.count}`);
      const raw = new Uint32Array(arr.buffer, arr.byteOffset, arr.length);
      const out = b.field === 'kernel' ? kernelOrder(model, node, raw, false, transposed(header)) : raw;
      putU32(bytes, off, out);
      off += 4 * b.count;
    }
  }
  return bytes;
}

function wideSeen(major: number, minor: number): boolean {
  return major * 10 + minor >= 2 && major < 1000 && minor < 1000;
}

function transposed(h: DarknetHeader): boolean {
  return h.major > 1000 || h.minor > 1000;
}

/** The float blocks of one layer, in file order. */
function blocksOf(model: Model, node: Node): Block[] {
  const bn = (n: number): Block[] => [{ field: 'bnScale', count: n }, { field: 'bnMean', count: n }, { field: 'bnVariance', count: n }];
  if (node.kind === 'conv2d') {
    const x = nodeInputs(model, node)[0]!;
    const kernel = node.filters * (x.c / node.groups) * node.size[0] * node.size[1];
    return [{ field: 'bias', count: node.filters }, ...(node.batchNorm ? bn(node.filters) : []), { field: 'kernel', count: kernel }];
  }
  if (node.kind === 'dense') {
    const x = nodeInputs(model, node)[0]!;
    return [{ field: 'bias', count: node.units }, { field: 'kernel', count: x.h * x.w * x.c * node.units }, ...(node.batchNorm ? bn(node.units) : [])];
  }
  return [];
}

function kernelOrder(model: Model, node: Node, src: Uint32Array, toIR: boolean, transposedDense: boolean): Uint32Array {
  const x = nodeInputs(model, node)[0]!;
  if (node.kind === 'conv2d') return convOrder(src, node.filters, x.c / node.groups, node.size[0], node.size[1], toIR);
  assert(node.kind === 'dense', () => `darknet-weights: layer ${node.id} (${node.kind}) has no kernel`);
  return denseOrder(src, node.units, x, toIR, transposedDense);
}

/** Rows of the transposes below moved together, so reads and writes both stay in cache. */
const BLOCK = 16;

/** Darknet [n][cg][kh][kw] ↔ IR HWIO [kh][kw][cg][n]. */
function convOrder(src: Uint32Array, n: number, cg: number, kh: number, kw: number, toIR: boolean): Uint32Array {
  const dst = new Uint32Array(src.length);
  const per = cg * kh * kw;
  for (let f0 = 0; f0 < n; f0 += BLOCK) {
    const f1 = Math.min(n, f0 + BLOCK);
    for (let i = 0; i < cg; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const inner = (i * kh + y) * kw + x;
          const t0 = ((y * kw + x) * cg + i) * n;
          for (let f = f0; f < f1; f++) {
            if (toIR) dst[t0 + f] = src[f * per + inner]!;
            else dst[f * per + inner] = src[t0 + f]!;
          }
        }
      }
    }
  }
  return dst;
}

/**
 * Darknet [units][in] with `in` in CHW order (or [in][units] when transposed) ↔ IR [in][units]
 * with `in` in HWC order (PAPER §3.4: the flatten order decides which columns a channel range is).
 */
function denseOrder(src: Uint32Array, units: number, x: Shape3, toIR: boolean, transposedDense = false): Uint32Array {
  const dst = new Uint32Array(src.length);
  const n = x.h * x.w * x.c;
  // Darknet element (o, chw) sits at o·rowStep + chw·colStep.
  const [rowStep, colStep] = transposedDense ? [1, units] : [n, 1];
  for (let o0 = 0; o0 < units; o0 += BLOCK) {
    const o1 = Math.min(units, o0 + BLOCK);
    for (let c = 0; c < x.c; c++) {
      for (let p = 0; p < x.h * x.w; p++) {
        const d0 = (c * x.h * x.w + p) * colStep;
        const t0 = (p * x.c + c) * units;
        for (let o = o0; o < o1; o++) {
          if (toIR) dst[t0 + o] = src[o * rowStep + d0]!;
          else dst[o * rowStep + d0] = src[t0 + o]!;
        }
      }
    }
  }
  return dst;
}

function copyU32(bytes: Uint8Array, off: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  new Uint8Array(out.buffer).set(bytes.subarray(off, off + 4 * count));
  if (!LITTLE_ENDIAN) for (let i = 0; i < count; i++) out[i] = swap32(out[i]!);
  return out;
}

function putU32(bytes: Uint8Array, off: number, src: Uint32Array): void {
  const le = LITTLE_ENDIAN ? src : src.map(swap32);
  bytes.set(new Uint8Array(le.buffer, le.byteOffset, le.byteLength), off);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}
