/** `--nms per-class|agnostic` for the commands that decode detections (infer, worker, up); a camera's `nms` in the config wins. */
import type { OptionSpec } from './args.ts';
import { UsageError } from '../shared/errors.ts';
import type { Config } from '../shared/config/types.ts';
import { DEFAULT_NMS, NMS_MODES, type NmsMode } from '../worker/head/nms.ts';

export const nmsOption: Record<string, OptionSpec> = {
  nms: { type: 'string', help: `detector NMS: agnostic (one label per box, Frigate-style) or per-class (Darknet's); default: the camera's nms in the config, else ${DEFAULT_NMS}` },
};

/** The flag, checked; undefined when absent (the camera's config, else the head's default, applies). */
export function nmsFromOpts(opts: Record<string, unknown>): NmsMode | undefined {
  const v = opts.nms;
  if (v === undefined) return undefined;
  if (!NMS_MODES.includes(v as NmsMode)) throw new UsageError(`--nms: expected ${NMS_MODES.join(' or ')}, got '${String(v)}'`);
  return v as NmsMode;
}
