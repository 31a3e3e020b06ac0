/**
 * Tensor messages (DESIGN.md "Tensor messages"): the payload of `<c>/data/<stage>/<piece>`.
 *
 *   [magic 'D' 'T' '1' 0x00][uint32 LE header length][CBOR header][zero padding to 4 bytes][elements, LE]
 *
 * The padding puts the elements at a 4-byte offset within the message, so a sender's float32 bytes are
 * concatenated without conversion. Decoding validates every length and field and never throws.
 */
import { decode as cborDecode, encode as cborEncode } from 'cbor-x';
import type { ChannelRange, Region } from '../tensor.ts';
import { WireFormatError, describe } from './json.ts';
import { DTYPE_BYTES, readElements, writeElements, type Dtype, type Int8Scaling } from './elements.ts';
import { headerError } from './tensor-header.ts';

export type { Dtype } from './elements.ts';

export interface TensorHeader {
  /** Frame id: several frames are in flight, every message carries its own (DESIGN.md "Data plane"). */
  frame: number;
  /** planId of the plan this piece belongs to; a receiver drops pieces of another plan. */
  plan: string;
  stage: string | number;
  piece: string;
  /** The rows and columns of the stage's full map this piece holds: `shape` h and w equal its size. */
  region?: Region;
  /** The channel range this piece holds; with `partial`, the input channels its partial sum covers. */
  channels?: ChannelRange;
  /** [h, w, c], channel-last like shared/tensor.ts. */
  shape: [number, number, number];
  dtype: Dtype;
  /** int8 only: element = q × scale (symmetric, per tensor). */
  scale?: number;
  /** int8 only, instead of `scale`: one scale per channel (element = q × scales[channel]). */
  scales?: Float32Array;
  /** int8 only, with `scales`: one integer zero point per channel (element = (q − zeros[channel]) × scales[channel]). */
  zeros?: Float32Array;
  /** A partial sum (LIP, FUSE1) still to be added to its siblings' before the activation. */
  partial?: boolean;
  /** Capture time of the frame, epoch milliseconds, for end-to-end latency. */
  t?: number;
}

/** What the sender fills in; dtype and scale come from the encoding options. */
export type TensorHeaderInput = Omit<TensorHeader, 'dtype' | 'scale' | 'scales' | 'zeros'>;

/** How to encode the elements: dtype, and for int8 whether the scale is per tensor (default) or per channel. */
export interface TensorEncodeOptions { dtype?: Dtype; int8?: Int8Scaling }

export type TensorDecodeResult = { ok: true; header: TensorHeader; data: Float32Array } | { ok: false; error: Error };

const TENSOR_MAGIC = Uint8Array.of(0x44, 0x54, 0x31, 0x00); // 'DT1\0'
/** Far above any real header (a few dozen bytes); bounds what a corrupt length can make us parse. */
const MAX_HEADER_BYTES = 64 * 1024;

const align4 = (n: number) => (n + 3) & ~3;

/**
 * Encode a tensor message. Throws only on a sender bug (data length ≠ shape product), never on data.
 * int8 uses scale = max|x| / 127 over the finite elements (of each channel with `int8: 'channel'`).
 */
export function encodeTensorMessage(header: TensorHeaderInput, data: Float32Array, opts: TensorEncodeOptions = {}): Uint8Array {
  const dtype = opts.dtype ?? 'float32';
  const [h, w, c] = header.shape;
  if (data.length !== h * w * c) {
    throw new Error(`wire: tensor message frame ${header.frame} piece ${header.piece}: ${data.length} elements for shape [${h}, ${w}, ${c}]`);
  }
  const { bytes, scale, scales, zeros } = writeElements(data, dtype, { scaling: opts.int8 ?? 'tensor', channels: c });
  const full: Record<string, unknown> = { ...header, dtype, scale, scales, zeros };
  for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
  const cbor: Uint8Array = cborEncode(full);
  const prefix = Buffer.alloc(align4(8 + cbor.length)); // zero-filled: the padding is zeros
  prefix.set(TENSOR_MAGIC, 0);
  prefix.writeUInt32LE(cbor.length, 4);
  prefix.set(cbor, 8);
  return Buffer.concat([prefix, bytes]);
}

export interface TensorDecodeOptions {
  /** Prefix of error text: pass the topic. */
  source?: string;
  /** The current planId: a piece of another plan (in flight across a re-plan) is refused. */
  plan?: string;
  /** The stage the receiver subscribed for. */
  stage?: string | number;
}

/** Decode and validate a tensor message. Never throws. A string second argument is the source. */
export function decodeTensorMessage(bytes: Uint8Array, options: TensorDecodeOptions | string = {}): TensorDecodeResult {
  const opts = typeof options === 'string' ? { source: options } : options;
  const source = opts.source ?? 'tensor message';
  try {
    const r = decodeChecked(bytes, source);
    if (!r.ok) return r;
    if (opts.plan !== undefined && r.header.plan !== opts.plan) return failed(source, `frame ${r.header.frame} belongs to plan '${r.header.plan}', not the current '${opts.plan}'`);
    if (opts.stage !== undefined && String(r.header.stage) !== String(opts.stage)) return failed(source, `stage ${r.header.stage} where stage ${opts.stage} was expected`);
    return r;
  } catch (e) {
    // Every check below returns; this only guards against a bug, so the wire path still can't crash.
    return failed(source, `undecodable: ${(e as Error).message}`);
  }
}

function failed(source: string, detail: string): TensorDecodeResult {
  return { ok: false, error: new WireFormatError(source, detail) };
}

function decodeChecked(bytes: Uint8Array, source: string): TensorDecodeResult {
  if (!(bytes instanceof Uint8Array)) return failed(source, `payload is ${describe(bytes)}, not bytes`);
  if (bytes.length < 8) return failed(source, `truncated: ${bytes.length} bytes, a tensor message has at least 8`);
  if (bytes[0] !== TENSOR_MAGIC[0] || bytes[1] !== TENSOR_MAGIC[1] || bytes[3] !== 0) {
    return failed(source, `bad magic 0x${Buffer.from(bytes.subarray(0, 4)).toString('hex')} (expected 'DT1\\0' = 0x44543100)`);
  }
  if (bytes[2] !== TENSOR_MAGIC[2]) return failed(source, `unsupported tensor message version '${String.fromCharCode(bytes[2])}' (this build reads '1')`);
  // DataView reads at any byte offset: MQTT payloads are often slices at odd offsets of a pooled buffer.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    return failed(source, `header length ${headerLength} exceeds the message (${bytes.length} bytes) or the ${MAX_HEADER_BYTES}-byte bound`);
  }
  let raw: unknown;
  try {
    raw = cborDecode(bytes.subarray(8, 8 + headerLength));
  } catch (e) {
    return failed(source, `header is not CBOR: ${(e as Error).message}`);
  }
  const bad = headerError(raw);
  if (bad) return failed(source, `header: ${bad}`);
  const header = pickHeader(raw as Record<string, unknown>);
  const [h, w, c] = header.shape;
  const offset = align4(8 + headerLength);
  const need = h * w * c * DTYPE_BYTES[header.dtype];
  const have = bytes.length - offset;
  if (have !== need) {
    return failed(source, `shape [${h}, ${w}, ${c}] × ${header.dtype} needs ${need} bytes of elements but ${Math.max(have, 0)} follow the header`);
  }
  const data = readElements(bytes.subarray(offset), h * w * c, header.dtype, header.scales ?? header.scale ?? 1, header.zeros);
  return { ok: true, header, data };
}

/** Keep only the known fields: unknown ones (from a newer sender) are ignored, not passed on. */
function pickHeader(o: Record<string, unknown>): TensorHeader {
  const h: Record<string, unknown> = {};
  for (const k of ['frame', 'plan', 'stage', 'piece', 'region', 'channels', 'shape', 'dtype', 'scale', 'scales', 'zeros', 'partial', 't']) {
    if (o[k] !== undefined) h[k] = o[k];
  }
  return h as unknown as TensorHeader;
}
