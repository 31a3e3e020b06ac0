/** Small algebra on tensor selections (region × channel range of one node's output). */
import type { Shape3 } from '../model/ir.ts';
import type { ChannelRange, Region } from '../tensor.ts';
import type { TensorSel } from './types.ts';

function intersectRegion(a: Region, b: Region): Region | undefined {
  const r = { y0: Math.max(a.y0, b.y0), y1: Math.min(a.y1, b.y1), x0: Math.max(a.x0, b.x0), x1: Math.min(a.x1, b.x1) };
  return r.y0 < r.y1 && r.x0 < r.x1 ? r : undefined;
}

function intersectChannels(a: ChannelRange, b: ChannelRange): ChannelRange | undefined {
  const c = { c0: Math.max(a.c0, b.c0), c1: Math.min(a.c1, b.c1) };
  return c.c0 < c.c1 ? c : undefined;
}

export function intersectSel(a: TensorSel, b: TensorSel): TensorSel | undefined {
  if (a.node !== b.node) return undefined;
  const region = intersectRegion(a.region, b.region);
  const channels = intersectChannels(a.channels, b.channels);
  return region && channels ? { node: a.node, region, channels } : undefined;
}

export function selShape(s: { region: Region; channels: ChannelRange }): Shape3 {
  return { h: s.region.y1 - s.region.y0, w: s.region.x1 - s.region.x0, c: s.channels.c1 - s.channels.c0 };
}

export function selVolume(s: TensorSel): number {
  const sh = selShape(s);
  return sh.h * sh.w * sh.c;
}

export function selKey(s: TensorSel): string {
  return `${s.node}:${s.region.y0},${s.region.y1},${s.region.x0},${s.region.x1}:${s.channels.c0},${s.channels.c1}`;
}

export function regionEquals(a: Region, b: Region): boolean {
  return a.y0 === b.y0 && a.y1 === b.y1 && a.x0 === b.x0 && a.x1 === b.x1;
}
