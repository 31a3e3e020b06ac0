/**
 * Traffic of a plan over the broker topology (PAPER §12.3, DESIGN.md "Data plane"): every piece is
 * one message per frame, published once by its worker and delivered by the broker once to every
 * distinct OTHER worker with a task that needs it; delivery to the publisher itself is free.
 * This counts exactly what worker/virtual-cluster.ts measures: egress = Σ remote deliveries,
 * uplink = Σ published pieces with at least one remote consumer.
 */
import { encode as cborEncode } from 'cbor-x';
import type { PieceDoc, PlanDoc } from '../shared/plan/types.ts';
import { selShape } from '../shared/plan/sel.ts';
import { DTYPE_BYTES } from '../shared/wire/elements.ts';
import { pieceConsumers } from '../shared/plan/footprint.ts';

export interface LinkBytes { up: number; down: number }

export interface Traffic {
  /** Broker egress: bytes delivered to workers other than the publisher (the paper's "exchanged"). */
  readonly bytesPerFrame: number;
  /** Publisher uplinks: bytes of pieces that at least one other worker consumes. */
  readonly uplinkBytes: number;
  /** Remote deliveries (the virtual cluster's message count). */
  readonly messages: number;
  /** Per device: bytes it publishes to the broker (up) and receives from it (down). */
  readonly perLink: Record<string, LinkBytes>;
  /** Message size of every piece (tensor header + elements). */
  readonly messageBytes: ReadonlyMap<string, number>;
  /**
   * Per piece: each consuming worker (the publisher included if it consumes it) → its uses, one per
   * (task, need) that lists the piece, as the cluster counts them.
   */
  readonly consumers: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

const align4 = (n: number): number => (n + 3) & ~3;

/**
 * Bytes of one tensor message for `piece` (shared/wire/tensor-codec.ts layout: 8-byte prefix, CBOR
 * header padded to 4 bytes, elements). The header is encoded exactly as the worker will, for frame 0;
 * later frame numbers add at most 8 bytes.
 */
export function messageBytes(piece: PieceDoc, planId: string): number {
  const s = selShape(piece.sel);
  const header: Record<string, unknown> = {
    frame: 0, plan: planId, stage: piece.stage, piece: piece.id, region: piece.sel.region,
    channels: piece.sel.channels, shape: [s.h, s.w, s.c], partial: piece.partial, dtype: piece.dtype,
  };
  // int8 carries one float32 scale per channel (shared/plan/wire.ts pieceEncoding).
  if (piece.dtype === 'int8') header.scales = new Float32Array(s.c);
  const cbor = cborEncode(header) as Uint8Array;
  return align4(8 + cbor.length) + s.h * s.w * s.c * DTYPE_BYTES[piece.dtype];
}


export function planTraffic(plan: PlanDoc): Traffic {
  const consumers = pieceConsumers(plan);
  const perLink: Record<string, LinkBytes> = {};
  for (const d of plan.devices) perLink[d.id] = { up: 0, down: 0 };
  const sizes = new Map<string, number>();
  let egress = 0, uplink = 0, messages = 0;
  for (const p of plan.pieces) {
    const bytes = messageBytes(p, plan.planId);
    sizes.set(p.id, bytes);
    let remote = 0;
    for (const w of consumers.get(p.id)?.keys() ?? []) {
      if (w === p.worker) continue;
      remote++;
      egress += bytes;
      messages++;
      perLink[w]!.down += bytes;
    }
    if (remote === 0) continue;
    uplink += bytes;
    perLink[p.worker]!.up += bytes;
  }
  return { bytesPerFrame: egress, uplinkBytes: uplink, messages, perLink, messageBytes: sizes, consumers };
}
