/** `--wire float32|float16|int8`: how activations travel between devices (shared/plan/wire.ts). */
import type { OptionSpec } from './args.ts';
import { UsageError } from '../shared/errors.ts';
import { WIRE_DTYPES, isWireDtype, type WireDtype } from '../shared/plan/wire.ts';

export function wireOption(dflt: string): Record<string, OptionSpec> {
  return {
    wire: { type: 'string', help: 'activations between devices: float32 (exact) | float16 | int8 (per-channel scale)', default: dflt },
  };
}

/** The `--wire` choice, else `fallback` (the config's planner.wire). */
export function wireFromOpts(opts: Record<string, unknown>, fallback?: WireDtype): WireDtype {
  const w = opts.wire ?? fallback;
  if (w === undefined) return fallback ?? 'float16';
  if (!isWireDtype(w)) throw new UsageError(`--wire: expected ${WIRE_DTYPES.join(', ')}, got '${String(w)}'`);
  return w;
}
