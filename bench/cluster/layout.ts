/**
 * The emulated cluster as data (pure): namespace, interface and address names, the `ip`/`tc`
 * commands that build it, the cgroup steps that cap each worker's CPU, and the list that tears it
 * all down. Every address lives inside a namespace the bench creates (10.213.i.0/30 per link), so
 * nothing it does is visible outside them. host.ts runs these.
 */

export interface Link {
  readonly id: string;
  readonly ns: string;
  /** Gateway end (in the gateway namespace) and worker end of the veth pair. */
  readonly gwIf: string;
  readonly wIf: string;
  readonly gwAddr: string;
  readonly wAddr: string;
}

export interface Layout {
  readonly prefix: string;
  /** The broker's (gateway) namespace. */
  readonly gw: string;
  readonly links: readonly Link[];
}

export function layout(prefix: string, n: number): Layout {
  const links = Array.from({ length: n }, (_, i): Link => ({
    id: `w${i}`, ns: `${prefix}-w${i}`, gwIf: `${prefix}-g${i}`, wIf: `${prefix}-w${i}`,
    gwAddr: `10.213.${i + 1}.1`, wAddr: `10.213.${i + 1}.2`,
  }));
  return { prefix, gw: `${prefix}-gw`, links };
}

/**
 * tbf on the egress of both ends shapes both directions. Burst: 4 ms at the rate and at least a
 * couple of full frames (tbf needs burst ≥ MTU); latency bounds the queue at 50 ms of traffic.
 */
export function tbf(ns: string, dev: string, rate: string, bps: number): string[] {
  const burst = Math.max(3200, Math.ceil(bps / 8 * 0.004));
  return ['tc', '-n', ns, 'qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', rate, 'burst', String(burst), 'latency', '50ms'];
}

/** The commands that build the namespaces, veth pairs, addresses and shaping, in order. */
export function setupCommands(l: Layout, rate: string, bps: number): string[][] {
  const out: string[][] = [['ip', 'netns', 'add', l.gw], ['ip', '-n', l.gw, 'link', 'set', 'lo', 'up']];
  for (const k of l.links) {
    out.push(
      ['ip', 'netns', 'add', k.ns],
      ['ip', '-n', k.ns, 'link', 'set', 'lo', 'up'],
      ['ip', '-n', l.gw, 'link', 'add', k.gwIf, 'type', 'veth', 'peer', 'name', k.wIf, 'netns', k.ns],
      ['ip', '-n', l.gw, 'addr', 'add', `${k.gwAddr}/30`, 'dev', k.gwIf],
      ['ip', '-n', k.ns, 'addr', 'add', `${k.wAddr}/30`, 'dev', k.wIf],
      ['ip', '-n', l.gw, 'link', 'set', k.gwIf, 'up'],
      ['ip', '-n', k.ns, 'link', 'set', k.wIf, 'up'],
      tbf(l.gw, k.gwIf, rate, bps),
      tbf(k.ns, k.wIf, rate, bps),
    );
  }
  return out;
}

export interface CgroupFs {
  readonly version: 1 | 2;
  /** Where the cpu controller is mounted: /sys/fs/cgroup/cpu (v1) or /sys/fs/cgroup (v2). */
  readonly root: string;
}

/** The cpu controller's mount from /proc/mounts: v1 `cpu` (possibly `cpu,cpuacct`) first, else cgroup2. */
export function detectCgroupFs(mounts: string): CgroupFs | undefined {
  const rows = mounts.split('\n').map((l) => l.split(' ')).filter((r) => r.length >= 4);
  const v1 = rows.find((r) => r[2] === 'cgroup' && r[3]!.split(',').includes('cpu'));
  if (v1) return { version: 1, root: v1[1]! };
  const v2 = rows.find((r) => r[2] === 'cgroup2');
  return v2 ? { version: 2, root: v2[1]! } : undefined;
}

export type CgroupStep = { readonly mkdir: string } | { readonly write: string; readonly value: string };

const PERIOD_US = 100_000;

export function cgroupDir(fs: CgroupFs, prefix: string, id?: string): string {
  return id === undefined ? `${fs.root}/${prefix}` : `${fs.root}/${prefix}/${id}`;
}

/**
 * One cgroup per worker under `<root>/<prefix>`, each capped at `cpu` cores (CFS quota per 100 ms),
 * times its factor in `slow` (a slower device, to show work stealing).
 */
export function cgroupSteps(fs: CgroupFs, prefix: string, ids: readonly string[], cpu: number, slow: ReadonlyMap<string, number> = new Map()): CgroupStep[] {
  const quota = (id: string) => String(Math.max(1000, Math.round(cpu * (slow.get(id) ?? 1) * PERIOD_US)));
  const parent = cgroupDir(fs, prefix);
  const steps: CgroupStep[] = fs.version === 2 ? [{ write: `${fs.root}/cgroup.subtree_control`, value: '+cpu' }] : [];
  steps.push({ mkdir: parent });
  if (fs.version === 2) steps.push({ write: `${parent}/cgroup.subtree_control`, value: '+cpu' });
  for (const id of ids) {
    const dir = cgroupDir(fs, prefix, id);
    steps.push({ mkdir: dir });
    if (fs.version === 1) steps.push({ write: `${dir}/cpu.cfs_period_us`, value: String(PERIOD_US) }, { write: `${dir}/cpu.cfs_quota_us`, value: quota(id) });
    else steps.push({ write: `${dir}/cpu.max`, value: `${quota(id)} ${PERIOD_US}` });
  }
  return steps;
}

export interface Teardown {
  /** Namespaces to delete (their veths go with them). */
  readonly netns: readonly string[];
  /** Cgroup directories to remove, leaves first, after their processes are gone. */
  readonly cgroups: readonly string[];
}

/** Everything `setupCommands` and `cgroupSteps` create, in the order it must go. */
export function teardownList(l: Layout, fs: CgroupFs | undefined): Teardown {
  return {
    netns: [...l.links.map((k) => k.ns), l.gw],
    cgroups: fs ? [...l.links.map((k) => cgroupDir(fs, l.prefix, k.id)), cgroupDir(fs, l.prefix)] : [],
  };
}

/** Leftovers of an earlier run that died: our namespaces by prefix (`ip netns list` output). */
export function staleNetns(list: string, prefix: string): string[] {
  return list.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.startsWith(`${prefix}-`));
}

/**
 * argv that runs `argv` in worker `k`'s cgroup and namespace: the shell moves itself into the cgroup
 * and enters its network namespace with `nsenter --net`, so every process the worker starts is capped.
 * Not `ip netns exec`: it remounts /sys, which hides /sys/fs/cgroup from the worker, and the worker
 * reads its own quota there (worker/engine/cores.ts: ORT's threads, the speed probes' window).
 */
export function confined(fs: CgroupFs, prefix: string, k: Link, argv: readonly string[]): string[] {
  return ['sh', '-c', 'echo $$ > "$0" && exec "$@"', `${cgroupDir(fs, prefix, k.id)}/cgroup.procs`, 'nsenter', `--net=/run/netns/${k.ns}`, '--', ...argv];
}
