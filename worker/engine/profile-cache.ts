/**
 * The measured speed profile, cached per machine and engine in `$XDG_CACHE_HOME/deeperthings`
 * (default `~/.cache/deeperthings`; not a DEEPERTHINGS_* variable, which the config owns). The key covers what changes the
 * speed: host, CPU model and count, the cgroup's CPU quota (a container at 0.3 of a core is another
 * machine), Node's version and the engine with its backend.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { profileProblem, type SpeedProfile } from '../../shared/plan/speed-profile.ts';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'deeperthings');
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** cgroup v2 `cpu.max`, else v1 quota/period: part of what makes this "machine". */
function cpuQuota(): string {
  return readOr('/sys/fs/cgroup/cpu.max') || `${readOr('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')}/${readOr('/sys/fs/cgroup/cpu/cpu.cfs_period_us')}`;
}

export function profileFile(engine: string, dir = cacheDir()): string {
  const c = cpus();
  const key = JSON.stringify([hostname(), c[0]?.model ?? '?', c.length, cpuQuota(), process.version, engine]);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(dir, `speed-${engine.replace(/[^\w.-]+/g, '_')}-${hash}.json`);
}

export interface CachedProfile {
  readonly profile: SpeedProfile;
  readonly cached: boolean;
  readonly file: string;
}

/** The cached profile for `engine`, else `measure()` and store it (best effort: a read-only home still works). */
export async function cachedProfile(engine: string, measure: () => Promise<SpeedProfile>, o: { dir?: string; refresh?: boolean } = {}): Promise<CachedProfile> {
  const file = profileFile(engine, o.dir);
  if (!o.refresh) {
    try {
      const p = JSON.parse(readFileSync(file, 'utf8')) as SpeedProfile;
      if (!profileProblem(p) && p.engine === engine) return { profile: p, cached: true, file };
    } catch {
      // Missing or unreadable: measure.
    }
  }
  const profile = { ...(await measure()), engine };
  try {
    mkdirSync(o.dir ?? cacheDir(), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(profile, null, 2) + '\n');
    renameSync(`${file}.tmp`, file);
  } catch {
    // Not cacheable here; the next start measures again.
  }
  return { profile, cached: false, file };
}
