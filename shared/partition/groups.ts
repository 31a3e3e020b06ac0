/**
 * LOP on grouped and depthwise convs (PAPER §2.3: "split by channel, each share needs only its own
 * input channels"). Output channels come in groups of filters/groups, each reading its own
 * cin/groups input channels, so a slice of whole groups needs only those inputs and runs as a
 * conv with fewer groups. Planner (ranges, needs) and worker (crop, group count) share this math.
 */
import { assert } from '../errors.ts';
import type { Conv2dNode } from '../model/ir.ts';
import type { ChannelRange } from '../tensor.ts';

/** Output ranges of whole groups: `split(groups)` ranges over groups, scaled to output channels. */
export function groupedOutRanges(node: Conv2dNode, split: (count: number) => ChannelRange[]): ChannelRange[] {
  const perGroup = node.filters / node.groups;
  return split(node.groups).map((r) => ({ c0: r.c0 * perGroup, c1: r.c1 * perGroup }));
}

/** The input channels and the group count of an output slice made of whole groups. */
export function groupSlice(node: Conv2dNode, cin: number, out: ChannelRange): { inChannels: ChannelRange; groups: number } {
  const perGroup = node.filters / node.groups;
  const inPerGroup = cin / node.groups;
  assert(out.c0 % perGroup === 0 && out.c1 % perGroup === 0 && out.c1 > out.c0,
    () => `partition: layer ${node.id}: output channels ${out.c0}..${out.c1} do not cover whole groups of ${perGroup}`);
  const [g0, g1] = [out.c0 / perGroup, out.c1 / perGroup];
  return { inChannels: { c0: g0 * inPerGroup, c1: g1 * inPerGroup }, groups: g1 - g0 };
}
