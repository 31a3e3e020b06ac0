/**
 * Channel ranges for weight partitioning (PAPER §3.2), and the integer split both channel ranges and
 * tile grids use. Pure functions.
 */
import { assert } from '../errors.ts';
import type { ChannelRange } from '../tensor.ts';

/**
 * Split the integer `total` into one positive size per weight, in proportion to the weights:
 * largest remainder (Hamilton), ties to the lower index, then every zero raised to 1 by taking a unit
 * from the size that most exceeds its exact quota. Equal weights give sizes that differ by at most one,
 * the larger ones first. Callers check total ≥ weights.length with their own message.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  assert(Number.isInteger(total) && total >= weights.length && weights.length > 0,
    () => `partition: cannot split ${total} into ${weights.length} positive parts`);
  assert(weights.every((w) => Number.isFinite(w) && w > 0), () => `partition: weights must be positive, got [${weights.join(', ')}]`);
  const sum = weights.reduce((a, b) => a + b, 0);
  const quota = weights.map((w) => (total * w) / sum);
  const sizes = quota.map((q) => Math.floor(q));
  const order = quota.map((_, i) => i).sort((a, b) => quota[b] - sizes[b] - (quota[a] - sizes[a]) || a - b);
  let left = total - sizes.reduce((a, b) => a + b, 0);
  for (let k = 0; left > 0; k++, left--) sizes[order[k % order.length]]++;
  for (let i = 0; i < sizes.length; i++) {
    while (sizes[i] === 0) {
      let donor = -1;
      for (let j = 0; j < sizes.length; j++) {
        if (sizes[j] > 1 && (donor < 0 || sizes[j] - quota[j] > sizes[donor] - quota[donor])) donor = j;
      }
      sizes[donor]--;
      sizes[i]++;
    }
  }
  return sizes;
}

/** Consecutive half-open ranges [start, end) of the given sizes, from 0. */
export function rangesOf(sizes: readonly number[]): Array<[number, number]> {
  let at = 0;
  return sizes.map((n) => [at, (at += n)] as [number, number]);
}

export interface ChannelOptions {
  /** The authors' rule (PAPER §3.2, `prune_filters`): ⌊C/N⌋ each, the last also takes the remainder. */
  readonly paper?: boolean;
}

/**
 * Split `total` channels into ranges: `shares` = N gives N balanced ranges (sizes differ by ≤ 1;
 * [ours], where the paper's rule can leave the last device up to N−1 channels more); an array of
 * weights (e.g. device speeds, PAPER §12.1) gives proportional ranges, each at least one channel.
 */
export function channelRanges(total: number, shares: number | readonly number[], opts: ChannelOptions = {}): ChannelRange[] {
  const n = typeof shares === 'number' ? shares : shares.length;
  assert(Number.isInteger(n) && n >= 1, () => `channels: need at least one range, got ${String(shares)}`);
  assert(Number.isInteger(total) && total >= 0, () => `channels: channel count must be a whole number, got ${total}`);
  assert(total >= n, () => `channels: cannot split ${total} channels into ${n} ranges`);
  let sizes: number[];
  if (opts.paper) {
    assert(typeof shares === 'number', () => `channels: the paper rule splits equally; got weights [${String(shares)}]`);
    const each = Math.floor(total / n);
    sizes = Array.from({ length: n }, (_, i) => (i === n - 1 ? total - each * (n - 1) : each));
  } else {
    sizes = apportion(total, typeof shares === 'number' ? Array<number>(n).fill(1) : shares);
  }
  return rangesOf(sizes).map(([c0, c1]) => ({ c0, c1 }));
}
