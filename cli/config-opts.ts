/** `--config` for the long-running commands: load, validate (one line per problem, exit 2), apply. */
import type { OptionSpec } from './args.ts';
import { UsageError } from '../shared/errors.ts';
import { loadConfig } from '../shared/config/load.ts';
import type { Config } from '../shared/config/types.ts';
import { logger, setLogJson, setLogLevel } from '../shared/log.ts';

export const configOption: Record<string, OptionSpec> = {
  config: { type: 'string', help: 'deeperthings.yaml (default: $DEEPERTHINGS_CONFIG, else ./deeperthings.yaml if present)' },
};

export async function configFromOpts(opts: Record<string, unknown>): Promise<Config> {
  const r = await loadConfig({ path: opts.config as string | undefined });
  if (!r.ok) throw new UsageError(`${r.file ?? 'config'}: invalid configuration:\n${r.problems.map((p) => `  ${p}`).join('\n')}`, 2);
  for (const w of r.warnings) if (r.file || !w.endsWith('using the defaults')) logger('config').warn(w);
  if (!process.env.DEEPERTHINGS_LOG_LEVEL) setLogLevel(r.config.logging.level);
  if (!process.env.DEEPERTHINGS_LOG_JSON) setLogJson(r.config.logging.json);
  return r.config;
}

/** Configured camera input topics → camera names (cameras may read any topic, ECOSYSTEM §5). */
export function cameraTopics(config: Config): Map<string, string> {
  return new Map(Object.entries(config.cameras).filter(([, c]) => c.topic).map(([name, c]) => [c.topic!, name]));
}

/** Configured cameras' threshold, NMS and snapshot quality (0 when `snapshot.enabled` is false), for the worker's head. */
export function cameraOptions(config: Config): Map<string, { threshold?: number; nms?: 'per-class' | 'agnostic'; snapshotQuality: number }> {
  return new Map(Object.entries(config.cameras).map(([name, c]) => [name, { threshold: c.threshold, nms: c.nms, snapshotQuality: c.snapshot.enabled ? c.snapshot.quality : 0 }]));
}

export function maxFrameBytes(config: Config): number | undefined {
  const sizes = Object.values(config.cameras).map((c) => c.maxFrameBytes);
  return sizes.length ? Math.max(...sizes) : undefined;
}
