/**
 * `npm run bench -- cluster`: an emulated edge cluster on this machine. Each worker runs in its own
 * cgroup (a CPU quota) and network namespace, joined to the gateway namespace (broker, planner,
 * camera; unthrottled) by a veth pair shaped with tc tbf both ways. Each plan runs over MQTT for
 * real; the run prints one JSON line per plan, a table and the comparison it claims. Needs root
 * (exit 2 otherwise); tears everything down on exit, error, timeout, SIGINT and SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../shared/errors.ts';
import { emit } from '../stats.ts';
import { parseClusterArgs, PLANS, type ClusterOptions } from './options.ts';
import { cgroupSteps, layout, setupCommands, teardownList, type CgroupFs, type Layout } from './layout.ts';
import { applyCgroupSteps, cgroupFs, missing, run, staleState, teardown } from './host.ts';
import { Children, runPlan } from './plan-run.ts';
import { lastLine, table, type Row } from './report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function say(line: string): void {
  process.stderr.write(`bench cluster: ${line}\n`);
}

/** Tear down once, whichever way the run ends; children first, so the cgroups empty. */
function guard(l: Layout, fs: CgroupFs, children: Children): { finish: () => void; dispose: () => void } {
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    children.killAll();
    const problems = teardown(teardownList(l, fs));
    for (const p of problems) say(`teardown: ${p}`);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    say(`${sig}: tearing down`);
    finish();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', finish);
  return { finish, dispose: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); process.off('exit', finish); } };
}

async function runAll(o: ClusterOptions, l: Layout, fs: CgroupFs, children: Children, deadline: number, rows: Row[]): Promise<void> {
  for (const cmd of setupCommands(l, o.link, o.linkBps)) run(cmd);
  applyCgroupSteps(cgroupSteps(fs, o.prefix, l.links.map((k) => k.id), o.cpu, o.slow));
  const slow = [...o.slow].map(([id, f]) => `, ${id} × ${f}`).join('');
  say(`${o.devices} workers × ${o.cpu} core${slow} × ${o.link}, stealing ${o.steal ? 'on' : 'off'}, wire ${o.wire ?? 'planner default'} (cgroup v${fs.version}, namespaces ${l.gw}, ${l.links[0]!.ns}…)`);
  for (const plan of o.plans) {
    const recipe = PLANS[plan]!;
    say(`plan ${plan}: ${recipe.label}`);
    const r = await runPlan({ o, l, fs, plan, recipe, children, root: ROOT, deadlineMs: deadline - Date.now() - 10_000 });
    const row: Row = { plan, label: recipe.label, ...r };
    emit({ bench: 'cluster', model: o.model, cpu: o.cpu, link: o.link, slow: Object.fromEntries(o.slow), steal: o.steal, wire: o.wire ?? 'default', ...row });
    rows.push(row);
  }
}

function report(rows: readonly Row[]): void {
  if (rows.length) process.stdout.write(`\n${table(rows).join('\n')}\n\n${lastLine(rows)}\n`);
}

export async function benchCluster(argv: string[]): Promise<void> {
  let o: ClusterOptions;
  try {
    o = parseClusterArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    say(e.message.replace(/^bench cluster: /, ''));
    process.exitCode = 2;
    return;
  }
  const why = missing();
  if (why) {
    say(why);
    process.exitCode = 2;
    return;
  }
  const fs = cgroupFs()!;
  const stale = staleState(o.prefix, fs);
  if (stale.netns.length + stale.cgroups.length > 0) {
    say(`removing what an earlier run left: ${[...stale.netns, ...stale.cgroups].join(', ')}`);
    for (const p of teardown(stale)) say(`stale cleanup: ${p}`);
  }
  const l = layout(o.prefix, o.devices);
  const children = new Children();
  const { finish, dispose } = guard(l, fs, children);
  const deadline = Date.now() + o.timeoutS * 1000;
  const rows: Row[] = [];
  const timer = setTimeout(() => { say(`not done within --timeout ${o.timeoutS} s: tearing down`); report(rows); finish(); process.exit(1); }, o.timeoutS * 1000);
  try {
    await runAll(o, l, fs, children, deadline, rows);
    report(rows);
  } catch (e) {
    report(rows);
    say((e as Error).message);
    process.exitCode = 1;
  } finally {
    clearTimeout(timer);
    finish();
    dispose();
  }
}
