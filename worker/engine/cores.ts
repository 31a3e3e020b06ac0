/**
 * How many cores this process may use: the machine's, capped by the CPU quota of its own cgroup
 * (containers and `bench cluster`'s 0.3-core workers run under one). ONNX Runtime with more intra-op
 * threads than the quota allows only makes its threads wait for each other (issue 11: intra-op
 * threads = the device's cores). cgroup2: `cpu.max` ("<quota> <period>" or "max <period>");
 * cgroup v1: `cpu.cfs_quota_us` / `cpu.cfs_period_us` (quota -1 = none). Every ancestor's limit
 * applies too, so the smallest along the path wins; ceil(quota / period), at least 1.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';

/** Reads a file's text, undefined when it is missing or unreadable. */
export type ReadText = (path: string) => string | undefined;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The directories from `path` up to the root of a cgroup mount, own first. */
function ancestors(mount: string, path: string): string[] {
  const out: string[] = [];
  for (let p = posix.normalize(path || '/'); ; p = posix.dirname(p)) {
    out.push(posix.join(mount, p));
    if (p === '/' || p === '.') return out;
  }
}

function v2Limit(dir: string, read: ReadText): number | undefined {
  const [quota, period] = (read(`${dir}/cpu.max`) ?? '').trim().split(/\s+/);
  if (!quota || quota === 'max' || !(Number(period) > 0) || !(Number(quota) > 0)) return undefined;
  return Number(quota) / Number(period);
}

function v1Limit(dir: string, read: ReadText): number | undefined {
  const quota = Number((read(`${dir}/cpu.cfs_quota_us`) ?? '').trim()), period = Number((read(`${dir}/cpu.cfs_period_us`) ?? '').trim());
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/** The CPU quota (in cores, fractional) of this process's cgroup and its ancestors, or undefined when unlimited. */
export function cgroupCpuQuota(read: ReadText = readText): number | undefined {
  const limits: number[] = [];
  for (const line of (read('/proc/self/cgroup') ?? '').split('\n')) {
    const [, controllers, path] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
    if (controllers === undefined || path === undefined) continue;
    if (controllers === '') {
      for (const dir of ancestors('/sys/fs/cgroup', path)) limits.push(v2Limit(dir, read) ?? Infinity);
    } else if (controllers.split(',').includes('cpu')) {
      for (const mount of [`/sys/fs/cgroup/${controllers}`, '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']) {
        // Inside a container the recorded path is the host's; the mount root is then the container's own group.
        for (const dir of ancestors(mount, path)) limits.push(v1Limit(dir, read) ?? Infinity);
      }
    }
  }
  const min = Math.min(...limits);
  return Number.isFinite(min) ? min : undefined;
}

/** Cores for compute: the machine's, capped by the cgroup quota (rounded up, at least 1). */
export function deviceCores(read: ReadText = readText, machine = availableParallelism()): { cores: number; quota?: number } {
  const quota = cgroupCpuQuota(read);
  if (quota === undefined) return { cores: machine };
  return { cores: Math.max(1, Math.min(machine, Math.ceil(quota - 1e-9))), quota };
}
