/**
 * Wire dtypes of a plan (issue 13 §3): which element encoding each piece travels in. The plan
 * builder picks one per piece from the plan's wire option; the planner's cost model and the workers
 * read the piece's dtype, and both count its bytes per element here.
 */
import { DTYPE_BYTES, type Dtype } from '../wire/elements.ts';
import type { TensorEncodeOptions } from '../wire/tensor-codec.ts';
import type { PieceDoc } from './types.ts';

export type { Dtype } from '../wire/elements.ts';

/** A plan's `--wire` choice: the encoding of activations sent between devices. */
export type WireDtype = Dtype;

export const WIRE_DTYPES: readonly WireDtype[] = ['float32', 'float16', 'int8'];

/**
 * float16 halves the bytes and keeps detections (test/partition/wire-detections.test.ts); float32 is
 * for `verify`'s bit-level rule (DESIGN.md "Correctness rule", 1e-4).
 */
export const DEFAULT_WIRE: WireDtype = 'float16';

/** Bytes per element of a dtype on the wire. */
export function bytesPerElement(dtype: Dtype): number {
  return DTYPE_BYTES[dtype];
}

/** Bytes per element of one piece (one edge of the plan's graph), as its messages carry them. */
export function pieceBytesPerElement(piece: Pick<PieceDoc, 'dtype'>): number {
  return DTYPE_BYTES[piece.dtype];
}

/**
 * int8 goes only on edges in this first fraction of the network's nodes; later edges stay float16.
 * Measured on CenterNet (test/partition/wire-detections.test.ts, 157 nodes): int8 everywhere moved
 * scores by 0.008 and boxes by 2.2 px, int8 up to node 100 / 120 / 135 by 0.007 / 0.005 / 0.006
 * and 0.4 / 0.6 / 0.75 px: the error int8 adds near the head reaches the boxes unattenuated, while
 * early errors wash out in the layers after them. At 0.75 the wire is 0.37 of float32's bytes.
 */
export const INT8_DEPTH = 0.75;

/**
 * The dtype of one edge under a plan's wire choice. Partial sums (LIP, FUSE1) are added to their
 * siblings' before the activation, so their rounding errors add up and cancellation can make them
 * large against the result: they never go below float16 (int8 per-tensor scale on a signed sum
 * loses the small terms). With int8, edges of the last quarter of the network stay float16
 * (INT8_DEPTH): `node` is the edge's producing node, `nodes` the model's node count.
 */
export function edgeDtype(wire: WireDtype, edge: { readonly partial: boolean; readonly node?: number; readonly nodes?: number }): Dtype {
  if (wire !== 'int8') return wire;
  const late = edge.node !== undefined && edge.nodes !== undefined && edge.node >= INT8_DEPTH * edge.nodes;
  return edge.partial || late ? 'float16' : 'int8';
}

export function isWireDtype(x: unknown): x is WireDtype {
  return typeof x === 'string' && (WIRE_DTYPES as readonly string[]).includes(x);
}

/**
 * How a piece's messages are encoded. int8 is scaled per channel: one scale per tensor loses the
 * small channels next to the large ones (CenterNet's detections moved by 14–290 px with it); with a
 * zero point (affine) a (leaky) ReLU channel uses all 255 levels: boxes 2.9 → 2.2 px on dog.jpg.
 */
export function pieceEncoding(piece: Pick<PieceDoc, 'dtype'>): TensorEncodeOptions {
  return piece.dtype === 'int8' ? { dtype: 'int8', int8: 'affine' } : { dtype: piece.dtype };
}
