/**
 * The measured speed profile, cached per machine and engine in `$XDG_CACHE_HOME/deeperthings`
 * (default `~/.cache/deeperthings`; not a DEEPERTHINGS_* variable, which the config owns). The key covers what changes the
 * speed: host, CPU model and count, the CPU quota of this process's own cgroup (a container at 0.3 of
 * a core is another machine: cores.ts walks the process's cgroup, not the root's), Node's version and the
 * engine with its backend and intra-op threads.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { cpus, homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { profileProblem, type SpeedProfile } from '../../shared/plan/speed-profile.ts';
import { cgroupCpuQuota } from './cores.ts';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'deeperthings');
}

/** `engine`: the label the profile carries; `threads`: the engine's intra-op threads, when it has them. */
export function profileFile(engine: string, dir = cacheDir(), threads?: number): string {
  const c = cpus();
  const key = JSON.stringify([hostname(), c[0]?.model ?? '?', c.length, cgroupCpuQuota() ?? 'none', process.version, engine, threads ?? 'n/a']);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(dir, `speed-${engine.replace(/[^\w.-]+/g, '_')}-${hash}.json`);
}

export interface CachedProfile {
  readonly profile: SpeedProfile;
  readonly cached: boolean;
  readonly file: string;
}

function readProfile(file: string, engine: string): SpeedProfile | undefined {
  try {
    const p = JSON.parse(readFileSync(file, 'utf8')) as SpeedProfile;
    return !profileProblem(p) && p.engine === engine ? p : undefined;
  } catch {
    return undefined; // missing or unreadable: measure
  }
}

/** Take the measuring lock; false while another process (e.g. a sibling worker of `up`) holds a fresh one. */
function lock(path: string, staleMs: number): boolean {
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch {
    try {
      if (Date.now() - statSync(path).mtimeMs < staleMs) return false;
      unlinkSync(path);
      return lock(path, staleMs);
    } catch {
      return true; // no lock possible here (read-only cache): measure alone
    }
  }
}

/**
 * The cached profile for `engine`, else `measure()` and store it (best effort: a read-only home still
 * works). Workers started together measure once: the others wait for the first one's file, because
 * six probes running at once on a shared CPU would each measure a sixth of the machine and cache it.
 */
export async function cachedProfile(engine: string, measure: () => Promise<SpeedProfile>, o: { dir?: string; refresh?: boolean; waitMs?: number; threads?: number } = {}): Promise<CachedProfile> {
  const file = profileFile(engine, o.dir, o.threads);
  const cached = o.refresh ? undefined : readProfile(file, engine);
  if (cached) return { profile: cached, cached: true, file };
  try { mkdirSync(o.dir ?? cacheDir(), { recursive: true }); } catch { /* read-only: measure without caching */ }
  const wait = o.waitMs ?? 60_000;
  for (const end = Date.now() + wait; !lock(`${file}.lock`, wait);) {
    await new Promise((r) => setTimeout(r, 200));
    const p = readProfile(file, engine);
    if (p && !o.refresh) return { profile: p, cached: true, file };
    if (Date.now() > end) break;
  }
  try {
    const profile = { ...(await measure()), engine };
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(profile, null, 2) + '\n');
      renameSync(`${file}.tmp`, file);
    } catch {
      // Not cacheable here; the next start measures again.
    }
    return { profile, cached: false, file };
  } finally {
    try { unlinkSync(`${file}.lock`); } catch { /* never taken */ }
  }
}
