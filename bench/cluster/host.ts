/**
 * Running the layout on this machine (root only): build the namespaces and cgroups, tear them down,
 * and clear what an earlier run left behind. Synchronous, so a signal handler can tear down too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { cgroupDir, detectCgroupFs, staleNetns, type CgroupFs, type CgroupStep, type Teardown } from './layout.ts';

export function run(argv: readonly string[]): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`bench cluster: \`${argv.join(' ')}\` failed: ${(err.stderr || err.message).trim()}`);
  }
}

/** What is missing to run the bench here (root, iproute2, a cpu cgroup controller), or nothing. */
export function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, tc and cgroups); run it as root, e.g. sudo npm run bench -- cluster';
  for (const tool of [['ip', '-V'], ['tc', '-V']]) {
    try {
      execFileSync(tool[0]!, tool.slice(1), { stdio: 'ignore' });
    } catch {
      return `needs \`${tool[0]}\` from iproute2: apt-get install -y iproute2`;
    }
  }
  const fs = cgroupFs();
  if (!fs) return 'needs a cgroup cpu controller (cgroup v1 `cpu` or cgroup2) mounted';
  if (fs.version === 2 && !readFileSync(`${fs.root}/cgroup.controllers`, 'utf8').split(/\s+/).includes('cpu')) return `the cgroup2 hierarchy at ${fs.root} has no cpu controller`;
  return undefined;
}

export function cgroupFs(): CgroupFs | undefined {
  return detectCgroupFs(readFileSync('/proc/mounts', 'utf8'));
}

export function applyCgroupSteps(steps: readonly CgroupStep[]): void {
  for (const s of steps) {
    if ('mkdir' in s) mkdirSync(s.mkdir, { recursive: true });
    else writeFileSync(s.write, s.value);
  }
}

function procs(dir: string): number[] {
  try {
    return readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Stop the processes the bench put in its cgroups (only those), then wait for them to go. */
function killConfined(dirs: readonly string[]): void {
  for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
    const pids = dirs.flatMap(procs);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try { process.kill(pid, sig); } catch { /* already gone */ }
    }
    const until = Date.now() + 3000;
    while (Date.now() < until && dirs.flatMap(procs).length > 0) execFileSync('sleep', ['0.1']);
  }
}

/** Tear down in order; every step is tried, and what failed is returned (not thrown). */
export function teardown(t: Teardown): string[] {
  const problems: string[] = [];
  killConfined(t.cgroups);
  for (const dir of t.cgroups) {
    try { if (existsSync(dir)) rmdirSync(dir); } catch (e) { problems.push(`rmdir ${dir}: ${(e as Error).message}`); }
  }
  for (const ns of t.netns) {
    try { run(['ip', 'netns', 'del', ns]); } catch (e) { if (!/No such file/.test((e as Error).message)) problems.push((e as Error).message); }
  }
  return problems;
}

/** What an earlier run with the same prefix left behind: its namespaces and cgroups. */
export function staleState(prefix: string, fs: CgroupFs | undefined): Teardown {
  const parent = fs ? cgroupDir(fs, prefix) : undefined;
  const leaves = parent && existsSync(parent) ? readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${parent}/${d.name}`) : [];
  return { netns: staleNetns(run(['ip', 'netns', 'list']), prefix), cgroups: parent && existsSync(parent) ? [...leaves, parent] : [] };
}
