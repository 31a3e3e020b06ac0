/**
 * Pinning the tail (`planner --tail`, `planner.tail` in the config): the paper's baselines run over
 * MQTT as plans, so a bench compares plans rather than models of plans. `fused` keeps ILP-1's
 * optimum (PAPER §4), `lop` the all-LOP tail (PAPER §8's unfused baseline), `lip` and `seq` verify's
 * presets (every weight layer LIP, or whole on one device in turn); `auto` leaves the choice to the
 * objective. The FTP boundary and grid are still chosen by the objective.
 */
import type { Model } from '../../shared/model/ir.ts';
import { TAIL_PINS, type TailPin } from '../../shared/config/types.ts';
import type { PartitionKind } from '../../shared/plan/types.ts';
import { tailLayers } from '../layers.ts';
import { commCost, type LayerType } from '../optimize/comm-cost.ts';
import { tailPreset } from '../plan/spec.ts';
import type { TailChoice } from './candidates.ts';

export { TAIL_PINS, type TailPin };

export function isTailPin(s: string): s is TailPin {
  return (TAIL_PINS as readonly string[]).includes(s);
}

const TYPE: Partial<Record<PartitionKind, LayerType>> = { lop: 'LOP', lip: 'LIP', fuse1: 'FUSE1', fuse2: 'FUSE2' };

/** A preset tail as a tail choice; its ILP-1 cost when ILP-1 can price it (SEQ is outside ILP-1: NaN). */
function presetChoice(model: Model, k: number, n: number, preset: 'lip' | 'seq'): TailChoice {
  const tail = tailPreset(model, k, preset, n);
  const layers = tailLayers(model, k, { fc: true });
  const types = layers.map((l): LayerType => (l.conv ? TYPE[tail[l.index]!] ?? '-' : '-'));
  let costElements = Number.NaN;
  try {
    costElements = commCost(layers, types, n);
  } catch {
    // A layer left whole (SEQ, or a conv with too few channels): ILP-1 has no price for it.
  }
  return { label: preset, tail, solution: { types, costElements, bytes: 4 * costElements, optima: [types], optimaCount: 1 }, restricted: false };
}

/** The tail choices at boundary k under a pin: a subset of `all` (fused, lop) or the preset (lip, seq). */
export function pinTails(model: Model, n: number, pin: TailPin, all: (k: number) => Promise<TailChoice[]>): (k: number) => Promise<TailChoice[]> {
  switch (pin) {
    case 'auto': return all;
    case 'fused': return async (k) => (await all(k)).filter((t) => t.label === 'fused');
    case 'lop': return async (k) => (await all(k)).filter((t) => t.label === 'unfused');
    case 'lip': case 'seq': return (k) => Promise.resolve([presetChoice(model, k, n, pin)]);
  }
}
