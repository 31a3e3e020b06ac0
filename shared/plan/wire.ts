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
 * The dtype of one edge under a plan's wire choice. Partial sums (LIP, FUSE1) are added to their
 * siblings' before the activation, so their rounding errors add up and cancellation can make them
 * large against the result: they never go below float16 (int8 per-tensor scale on a signed sum
 * loses the small terms).
 */
export function edgeDtype(wire: WireDtype, edge: { readonly partial: boolean }): Dtype {
  return edge.partial && wire === 'int8' ? 'float16' : wire;
}

export function isWireDtype(x: unknown): x is WireDtype {
  return typeof x === 'string' && (WIRE_DTYPES as readonly string[]).includes(x);
}

/**
 * How a piece's messages are encoded. int8 is scaled per channel: one scale per tensor loses the
 * small channels next to the large ones (CenterNet's detections moved by 14–290 px with it).
 */
export function pieceEncoding(piece: Pick<PieceDoc, 'dtype'>): TensorEncodeOptions {
  return piece.dtype === 'int8' ? { dtype: 'int8', int8: 'channel' } : { dtype: piece.dtype };
}
