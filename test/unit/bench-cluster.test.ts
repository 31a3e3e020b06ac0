/**
 * `bench cluster`'s pure parts (bench/cluster/options.ts, layout.ts, report.ts): argument parsing,
 * the ip/tc commands and cgroup steps that build the emulated cluster, the list that tears it down,
 * and the table. The commands themselves need root and run in the bench, not here.
 */
import assert from 'node:assert/strict';
import { UsageError } from '../../shared/errors.ts';
import { parseClusterArgs, parseLink, PLANS } from '../../bench/cluster/options.ts';
import { cgroupSteps, confined, detectCgroupFs, layout, setupCommands, staleNetns, tbf, teardownList } from '../../bench/cluster/layout.ts';
import { gatewaySpec, workerArgv } from '../../bench/cluster/plan-run.ts';
import { gatewayPlanFn } from '../../bench/cluster/gateway-plan.ts';
import { equalDevices } from '../../planner/devices.ts';
import { darknetModel } from '../support/models.ts';
import { describePlan, lastLine, stageGroups, table, type Row } from '../../bench/cluster/report.ts';

const usage = (argv: string[], re: RegExp): void => assert.throws(() => parseClusterArgs(argv), (e: unknown) => e instanceof UsageError && re.test(e.message));

describe('bench cluster: arguments', () => {
  it('defaults: yolov2, 6 devices, 0.3 core, 100mbit, the four plans, 5 frames, 10 back to back', () => {
    const o = parseClusterArgs([]);
    assert.deepEqual({ ...o }, { model: 'yolov2', devices: 6, cpu: 0.3, link: '100mbit', linkBps: 100e6, plans: ['one', 'unfused', 'comm', 'latency'], frames: 5, pipelined: 10, timeoutS: 540, prefix: 'dtbench', slow: new Map(), steal: true });
  });

  it('the issue\'s command line, and rates in any case', () => {
    const o = parseClusterArgs(['--model', 'yolov2-tiny', '--devices', '2', '--cpu', '0.5', '--link', '10Mbit', '--plans', 'one, comm', '--frames', '3']);
    assert.deepEqual([o.model, o.devices, o.cpu, o.link, o.linkBps, o.plans, o.frames], ['yolov2-tiny', 2, 0.5, '10mbit', 10e6, ['one', 'comm'], 3]);
    assert.deepEqual(parseLink('1gbit'), { link: '1gbit', bps: 1e9 });
    assert.deepEqual(parseLink('500kbit'), { link: '500kbit', bps: 5e5 });
  });

  it('bad values name the flag and what it takes', () => {
    usage(['--plans', 'one,fast'], /--plans takes one,unfused,comm,latency, got 'one,fast'/);
    usage(['--link', '100mb'], /--link expects a rate like 100mbit, got '100mb'/);
    usage(['--devices', '0'], /--devices expects an integer in 1\.\.64, got '0'/);
    usage(['--cpu', 'half'], /--cpu expects a number/);
    usage(['--prefix', 'Too-Long-Prefix'], /--prefix must be 1\.\.10 lowercase/);
    usage(['--bogus'], /Unknown option '--bogus'/);
  });

  it('--slow, --steal and --wire: per-worker CPU factors, stealing off on the workers, the wire to the planner', () => {
    const o = parseClusterArgs(['--devices', '3', '--slow', 'w0:0.5, w2:0.75', '--steal', 'off', '--wire', 'int8']);
    assert.deepEqual([...o.slow], [['w0', 0.5], ['w2', 0.75]]);
    assert.equal(o.steal, false);
    assert.equal(o.wire, 'int8');
    assert.deepEqual(cgroupSteps({ version: 2, root: '/cg' }, 'dtbench', ['w0', 'w1'], 0.3, o.slow).filter((s) => 'write' in s && s.write.endsWith('cpu.max')),
      [{ write: '/cg/dtbench/w0/cpu.max', value: '15000 100000' }, { write: '/cg/dtbench/w1/cpu.max', value: '30000 100000' }]);
    const l = layout('dtbench', 3);
    const run = { o, l, plan: 'comm', recipe: PLANS.comm!, deadlineMs: 60_000, root: '/r' };
    assert.equal(gatewaySpec(run).wire, 'int8');
    assert.equal(gatewaySpec({ ...run, o: parseClusterArgs([]) }).wire, undefined);
    assert.equal(workerArgv(run, 'w0', '10.0.0.1').at(-1), '--no-steal');
    assert.ok(!workerArgv({ ...run, o: parseClusterArgs([]) }, 'w0', '10.0.0.1').includes('--no-steal'));
    usage(['--slow', 'w9:0.5'], /--slow expects W:F with W one of w0\.\.w5/);
    usage(['--slow', 'w0:0'], /--slow expects W:F/);
    usage(['--steal', 'maybe'], /--steal takes on or off, got 'maybe'/);
    usage(['--wire', 'bf16'], /--wire takes float32, float16, int8, got 'bf16'/);
  });

  it('the gateway\'s planner plans with --wire: int8 edges between devices', async function () {
    this.timeout(60_000);
    const { model } = await darknetModel('yolov2-tiny', 160);
    const spec = gatewaySpec({ o: parseClusterArgs(['--devices', '2', '--wire', 'int8']), l: layout('dtbench', 2), plan: 'comm', recipe: PLANS.comm!, deadlineMs: 60_000 });
    const plan = await gatewayPlanFn(spec)(model, equalDevices(2));
    assert.ok(plan.pieces.some((p) => p.dtype === 'int8'), `dtypes: ${[...new Set(plan.pieces.map((p) => p.dtype))]}`);
  });

  it('plans: one device plans for one worker; unfused, comm and latency pin the tail and the objective', () => {
    assert.deepEqual(Object.entries(PLANS).map(([k, p]) => [k, p.objective, p.tail, p.single === true]),
      [['one', 'comm', 'auto', true], ['unfused', 'comm', 'lop', false], ['comm', 'comm', 'fused', false], ['latency', 'latency', 'auto', false]]);
  });
});

describe('bench cluster: namespaces, veths and tc', () => {
  const l = layout('dtbench', 2);

  it('names fit in 15 bytes, each link a /30 inside the bench\'s namespaces', () => {
    assert.equal(l.gw, 'dtbench-gw');
    assert.deepEqual(l.links[1], { id: 'w1', ns: 'dtbench-w1', gwIf: 'dtbench-g1', wIf: 'dtbench-w1', gwAddr: '10.213.2.1', wAddr: '10.213.2.2' });
    assert.ok(layout('abcdefghij', 64).links.every((k) => k.gwIf.length <= 15 && k.wIf.length <= 15));
  });

  it('setup: gateway first, then per worker a namespace, a veth pair across, addresses, up, tbf on both ends', () => {
    const cmds = setupCommands(l, '100mbit', 100e6).map((c) => c.join(' '));
    assert.deepEqual(cmds.slice(0, 11), [
      'ip netns add dtbench-gw',
      'ip -n dtbench-gw link set lo up',
      'ip netns add dtbench-w0',
      'ip -n dtbench-w0 link set lo up',
      'ip -n dtbench-gw link add dtbench-g0 type veth peer name dtbench-w0 netns dtbench-w0',
      'ip -n dtbench-gw addr add 10.213.1.1/30 dev dtbench-g0',
      'ip -n dtbench-w0 addr add 10.213.1.2/30 dev dtbench-w0',
      'ip -n dtbench-gw link set dtbench-g0 up',
      'ip -n dtbench-w0 link set dtbench-w0 up',
      'tc -n dtbench-gw qdisc replace dev dtbench-g0 root tbf rate 100mbit burst 50000 latency 50ms',
      'tc -n dtbench-w0 qdisc replace dev dtbench-w0 root tbf rate 100mbit burst 50000 latency 50ms',
    ]);
    assert.equal(cmds.length, 2 + 2 * 9);
    // Every command names a namespace of the bench: nothing is configured outside them.
    assert.ok(cmds.every((c) => /dtbench-(gw|w\d)/.test(c)));
  });

  it('tbf burst: 4 ms at the rate, never below two full frames', () => {
    const burst = (a: string[]): string => a[a.indexOf('burst') + 1]!;
    assert.equal(burst(tbf('ns', 'dev', '1mbit', 1e6)), '3200');
    assert.equal(burst(tbf('ns', 'dev', '1gbit', 1e9)), '500000');
  });
});

describe('bench cluster: cgroups and teardown', () => {
  const l = layout('dtbench', 2);
  const MOUNTS_V1 = 'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid 0 0\ncgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,relatime,cpu,cpuacct 0 0\n';
  const MOUNTS_V2 = 'proc /proc proc rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n';

  it('finds the cpu controller: v1 (also cpu,cpuacct) before a hybrid\'s empty cgroup2, else cgroup2', () => {
    assert.deepEqual(detectCgroupFs(MOUNTS_V1), { version: 1, root: '/sys/fs/cgroup/cpu,cpuacct' });
    assert.deepEqual(detectCgroupFs(MOUNTS_V2), { version: 2, root: '/sys/fs/cgroup' });
    assert.equal(detectCgroupFs('proc /proc proc rw 0 0\n'), undefined);
  });

  it('v1: a group per worker with a CFS quota of cpu × 100 ms per 100 ms', () => {
    assert.deepEqual(cgroupSteps({ version: 1, root: '/cg/cpu' }, 'dtbench', ['w0'], 0.3), [
      { mkdir: '/cg/cpu/dtbench' }, { mkdir: '/cg/cpu/dtbench/w0' },
      { write: '/cg/cpu/dtbench/w0/cpu.cfs_period_us', value: '100000' }, { write: '/cg/cpu/dtbench/w0/cpu.cfs_quota_us', value: '30000' },
    ]);
  });

  it('v2: the cpu controller enabled down the tree, then cpu.max per worker', () => {
    assert.deepEqual(cgroupSteps({ version: 2, root: '/cg' }, 'dtbench', ['w0'], 1.5), [
      { write: '/cg/cgroup.subtree_control', value: '+cpu' }, { mkdir: '/cg/dtbench' }, { write: '/cg/dtbench/cgroup.subtree_control', value: '+cpu' },
      { mkdir: '/cg/dtbench/w0' }, { write: '/cg/dtbench/w0/cpu.max', value: '150000 100000' },
    ]);
  });

  it('teardown: every namespace the setup made, workers first; cgroups leaves first, then the parent', () => {
    assert.deepEqual(teardownList(l, { version: 1, root: '/cg/cpu' }), {
      netns: ['dtbench-w0', 'dtbench-w1', 'dtbench-gw'],
      cgroups: ['/cg/cpu/dtbench/w0', '/cg/cpu/dtbench/w1', '/cg/cpu/dtbench'],
    });
    const made = setupCommands(l, '1mbit', 1e6).filter((c) => c[1] === 'netns' && c[2] === 'add').map((c) => c[3]);
    assert.deepEqual([...made].sort(), [...teardownList(l, undefined).netns].sort());
  });

  it('stale state: only namespaces with the bench\'s prefix, as `ip netns list` prints them', () => {
    assert.deepEqual(staleNetns('dtbench-w1 (id: 3)\nother-ns\ndtbench-gw\ndtbenchx\n', 'dtbench'), ['dtbench-w1', 'dtbench-gw']);
  });

  it('a worker joins its cgroup, then its network namespace with nsenter (`ip netns exec` would hide /sys/fs/cgroup)', () => {
    assert.deepEqual(confined({ version: 1, root: '/cg/cpu' }, 'dtbench', l.links[0]!, ['node', 'w.js']),
      ['sh', '-c', 'echo $$ > "$0" && exec "$@"', '/cg/cpu/dtbench/w0/cgroup.procs', 'nsenter', '--net=/run/netns/dtbench-w0', '--', 'node', 'w.js']);
  });
});

describe('bench cluster: the report', () => {
  const row = (plan: string, latencyMs: number, framesPerS: number, bytes: number): Row => ({
    plan, label: PLANS[plan]!.label, planId: plan, description: 'x', devices: plan === 'one' ? 1 : 6, latenciesMs: [latencyMs], latencyMs, reportedMs: latencyMs,
    framesPerS, bytesPerFrame: bytes, bytesPerLink: {}, stagesMs: { in: 100, ftp: 1000, L12: 500, R13: 250, head: 1 },
    predicted: { latencyMs: 3000, bytesPerFrame: 1e6, bytesPerLink: { w0: { up: 1e6, down: 2e6 } } },
  });

  it('describes a plan by its FTP stack, grid and tail types (a FUSE pair counts once)', () => {
    const layers = [['conv2d', 'ftp'], ['maxpool', 'ftp'], ['conv2d', 'fuse1'], ['conv2d', 'fuse2'], ['maxpool', 'local'], ['conv2d', 'lop'], ['conv2d', 'lip']]
      .map(([kind, partition], index) => ({ index, kind: kind!, partition: partition as never }));
    const stages = [{ id: 'ftp', kind: 'ftp' as const, layers: [0, 1] as const, grid: { rows: 5, cols: 5 }, tasks: [] }];
    assert.equal(describePlan({ layers, stages }), 'FTP 0..1 5x5, tail 1×FUSE 1×LOP 1×LIP');
    assert.equal(describePlan({ layers: layers.slice(5), stages: [] }), 'no FTP, tail 1×LOP 1×LIP');
  });

  it('stage groups: in, ftp, the tail with its reduces, the rest by name; the kinds predictions report map to the same', () => {
    assert.deepEqual(stageGroups({ in: 100, ftp: 1000, L12: 500, R13: 250, head: 1 }), { in: 100, ftp: 1000, tail: 750, head: 1 });
    assert.deepEqual(stageGroups({ ingest: 100, ftp: 1000, tail: 750, head: 1 }), { in: 100, ftp: 1000, tail: 750, head: 1 });
  });

  it('table and last line: speed-ups against one device, fused against unfused', () => {
    const rows = [row('one', 8000, 0.12, 2e5), row('unfused', 5000, 0.2, 200e6), row('comm', 4000, 0.25, 150e6)];
    const t = table(rows);
    assert.equal(t.length, 5);
    assert.match(t[3]!, /^\| unfused \(all-LOP\) \| 6 \| x \| 5\.00 s \| 1\.60× \| 0\.2 \| 200\.0 \| 0\.10 \/ 1\.00 \/ 0\.75 \/ 0\.00 s \| 3\.00 s \| 3\.0 \|$/);
    assert.equal(lastLine(rows), '# speed-up vs one device: unfused 1.60× latency, 1.67× frames/s; comm 2.00× latency, 2.08× frames/s. fused vs unfused: 1.25× latency, 150.0 vs 200.0 MB/frame');
  });
});
