/**
 * What a received piece must be before it is buffered (issue 14 §4: a stranger's pieces with the
 * public plan id copied opened frame entries that held memory until the deadline and then made
 * one error per task). A piece must be one this worker subscribed to, with the region and channels
 * the plan gives it, and a worker keeps at most `maxOpenFrames` frames open at once.
 */
import type { PieceDoc } from '../../shared/plan/types.ts';

/** Frames a worker buffers pieces for at once; 64 covers many frames in flight from several cameras. */
export const MAX_OPEN_FRAMES = 64;

interface Header {
  readonly frame: number;
  readonly piece: string;
  readonly shape: readonly number[];
  readonly region?: { y0: number; y1: number; x0: number; x1: number };
  readonly channels?: { c0: number; c1: number };
}

/** Why the piece is refused, or undefined. `open`: whether its frame already has an entry. */
export function pieceProblem(h: Header, ctx: { pieces: ReadonlyMap<string, PieceDoc>; open: boolean; openFrames: number; topic: string }): string | undefined {
  const doc = ctx.pieces.get(h.piece);
  if (!doc) return `${ctx.topic}: piece '${String(h.piece).slice(0, 60)}' is not in the plan`;
  const r = doc.sel.region, c = doc.sel.channels;
  // The codec already checked that region and channels agree with the shape (shared/wire/tensor-header.ts).
  const region = h.region ?? r, channels = h.channels ?? c;
  const sameRegion = region.y0 === r.y0 && region.y1 === r.y1 && region.x0 === r.x0 && region.x1 === r.x1 && h.shape[0] === r.y1 - r.y0 && h.shape[1] === r.x1 - r.x0;
  if (!sameRegion || channels.c0 !== c.c0 || channels.c1 !== c.c1) {
    return `${ctx.topic}: piece ${doc.id} of frame ${h.frame} has shape [${h.shape.join(', ')}] at rows [${region.y0}, ${region.y1}) × columns [${region.x0}, ${region.x1}) × channels [${channels.c0}, ${channels.c1}); the plan says [${r.y0}, ${r.y1}) × [${r.x0}, ${r.x1}) × [${c.c0}, ${c.c1})`;
  }
  if (!Number.isSafeInteger(h.frame) || h.frame < 0) return `${ctx.topic}: frame number ${h.frame} is not a non-negative integer`;
  if (!ctx.open && ctx.openFrames >= MAX_OPEN_FRAMES) return `${ctx.topic}: frame ${h.frame} refused: ${ctx.openFrames} frames are already open here (at most ${MAX_OPEN_FRAMES})`;
  return undefined;
}
