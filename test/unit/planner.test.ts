/**
 * The top-level planner (planner/choose/*): PAPER §7.2's per-layer types through `choosePlan` with
 * the authors' FTP prefix, PAPER §9's 28.8 % claim, ILP-2's default boundary (PAPER §7.1), memory caps
 * as hard constraints, heterogeneous devices, the latency search, lexicographic objectives, FC
 * partitioning, --explain and the --json contract. Full-size cfgs: planning needs no tensors.
 */
import assert from 'node:assert/strict';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { assetPath } from '../../shared/assets.ts';
import { PlanInfeasibleError, UsageError } from '../../shared/errors.ts';
import type { Model } from '../../shared/model/ir.ts';
import type { PlanDevice } from '../../shared/plan/types.ts';
import { equalDevices } from '../../planner/devices.ts';
import { tailLayers } from '../../planner/layers.ts';
import { solveChain } from '../../planner/optimize/chain-dp.ts';
import { commCost } from '../../planner/optimize/comm-cost.ts';
import { choosePlan } from '../../planner/choose/choose.ts';
import { ftpLayersFor } from '../../planner/choose/candidates.ts';
import { legalFtpLayers } from '../../planner/plan/spec.ts';
import { solveRestricted } from '../../planner/choose/constrained-dp.ts';
import { parseObjective } from '../../planner/choose/objective.ts';
import { baselines } from '../../planner/choose/baselines.ts';
import { planJson } from '../../planner/choose/report.ts';
import { explainChoice, forcedCosts } from '../../planner/explain.ts';
import { runPlan } from '../support/plan-cli.ts';


const cache = new Map<string, Promise<Model>>();
const load = (name: string): Promise<Model> => {
  if (!cache.has(name)) cache.set(name, loadDarknet(assetPath('darknet', `${name}.cfg`)));
  return cache.get(name)!;
};
const kinds = (s: string): string[] => s.split(' ').map((t) => ({ F1: 'fuse1', F2: 'fuse2', LOP: 'lop', LIP: 'lip', '-': 'local' })[t]!);

// PAPER §7.2, from the authors' breakpoints (PAPER §7.1).
const AUTHORS = {
  yolov2: { from: 12, types: kinds('F1 F2 F1 F2 LOP - F1 F2 F1 F2 LOP F1 F2 - LIP - - F1 F2 -') },
  'vgg-16': { from: 7, types: kinds('LOP F1 F2 - LOP F1 F2 - LOP F1 F2 -') },
  alexnet: { from: 2, types: kinds('LOP - LOP F1 F2 -') },
} as const;

describe('planner: PAPER §7.2 types through the top-level planner (--ftp-layers fixed)', () => {
  for (const [name, a] of Object.entries(AUTHORS)) {
    it(`${name} from ${a.from}: layers[].partition = the authors' for N = 2..6`, async () => {
      const model = await load(name);
      for (let n = 2; n <= 6; n++) {
        const c = await choosePlan(model, equalDevices(n), { ftpLayers: a.from });
        const got = c.chosen.plan.layers.slice(a.from, a.from + a.types.length).map((l) => l.partition);
        assert.deepEqual(got, a.types, `N=${n}`);
        assert.ok(c.chosen.plan.layers.slice(0, a.from).every((l) => l.partition === 'ftp'));
        assert.equal(c.optimal, true);
      }
    });
  }

  it('extraction from 4: an optimal ILP-1 assignment (PAPER §7.2: tied optima)', async () => {
    const model = await load('extraction');
    const layers = tailLayers(model, 4, { fc: true });
    for (const n of [3, 6]) {
      const c = await choosePlan(model, equalDevices(n), { ftpLayers: 4 });
      assert.equal(c.chosen.tail.solution.costElements, solveChain(layers, n).costElements, `N=${n}`);
    }
  });

  it('YOLOv2, N=6: fusion cuts communication by ≥ 28.8 % against all-LOP (PAPER §9; model value 30.4 %)', async () => {
    const model = await load('yolov2');
    const c = await choosePlan(model, equalDevices(6), { ftpLayers: 12, dtype: 'float32' });
    const b = baselines(model, c);
    assert.ok(b.commReductionVsUnfused >= 0.288, `${b.commReductionVsUnfused}`);
    assert.ok(Math.abs(b.commReductionVsUnfused - 0.304) < 0.0005);
    assert.ok(b.brokerReductionVsUnfused > 0.2, 'the broker bytes fall too');
    assert.ok(Math.abs(c.chosen.cost.star!.bytes / 1e6 - 89.32) < 0.005);
  });

  it('HiGHS as solver agrees with the chain DP and ILP-2 enumeration', async function () {
    this.timeout(60_000);
    const model = await load('yolov2');
    const dp = await choosePlan(model, equalDevices(6));
    const hi = await choosePlan(model, equalDevices(6), { solver: 'highs' });
    assert.deepEqual(hi.chosen.plan.layers, dp.chosen.plan.layers);
    assert.match(hi.solver, /highs/);
  });
});

describe('planner: the FTP boundary', () => {
  it('default = ILP-2\'s breakpoint (PAPER §7.1: YOLOv2 8 at N=6, 4 at N=2; VGG-16 7, AlexNet 2, Extraction 4 at N=6)', async () => {
    for (const [name, n, k] of [['yolov2', 6, 8], ['yolov2', 2, 4], ['vgg-16', 6, 7], ['alexnet', 6, 2], ['extraction', 6, 4]] as const) {
      const c = await choosePlan(await load(name), equalDevices(n));
      assert.equal(c.chosen.ftpLayers, k, `${name} N=${n}`);
      assert.equal(c.breakpoint!.breakpoint, k);
    }
  });

  it('moves to the nearest legal boundary: YOLOv2\'s stack cannot end between 17 and 25 (route 25 reads 16)', async () => {
    const legal = legalFtpLayers(await load('yolov2'));
    assert.deepEqual(legal, Array.from({ length: 17 }, (_, i) => i + 1));
    assert.equal(ftpLayersFor(8, legal), 8);
    assert.equal(ftpLayersFor(20, legal), 17);
    assert.equal(ftpLayersFor(0, legal), 0);
  });

  it('an illegal --ftp-layers fails with the layer and the rule', async () => {
    await assert.rejects(choosePlan(await load('yolov2'), equalDevices(2), { ftpLayers: 18 }), /layer 16: the FTP stack 0..17 must have one output/);
  });
});

describe('planner: beyond the paper', () => {
  const mem = (n: number, bytes: number): PlanDevice[] => equalDevices(n).map((d) => ({ ...d, memoryBytes: bytes }));

  it('memory caps: an impossible request names the device and the bytes missing', async () => {
    const model = await load('alexnet');
    const err = await choosePlan(model, mem(3, 20e6)).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof PlanInfeasibleError, String(err));
    assert.match(err.message, /^planner: device dev\d needs \d+\.\d MB but has 20\.0 MB \(\d+\.\d MB missing\) in the best plan \(FTP /);
    assert.equal(err.constraint, 'memory');
    assert.match(err.device!, /^dev\d$/);
  });

  it('memory caps: a cap the default plan breaks makes the planner widen its search and fit', async () => {
    const model = await load('yolov2-tiny');
    const free = await choosePlan(model, equalDevices(4));
    const all = await choosePlan(model, equalDevices(4), { objective: 'latency', exhaustive: true });
    const least = Math.min(...all.candidates.map((x) => x.cost.maxMemoryBytes));
    assert.ok(least < free.chosen.cost.maxMemoryBytes, `${least} vs ${free.chosen.cost.maxMemoryBytes}`);
    const cap = (least + free.chosen.cost.maxMemoryBytes) / 2;
    const c = await choosePlan(model, mem(4, cap));
    assert.equal(c.widened, true);
    assert.ok(c.chosen.cost.maxMemoryBytes <= cap);
    assert.equal(c.optimal, false);
  });

  it('heterogeneous devices: channel shares follow speed, and the optimiser may pick speed-proportional tile rows', async () => {
    const model = await load('yolov2');
    const devices = equalDevices(3).map((d, i) => ({ ...d, speed: [8, 4, 4][i]! }));
    const c = await choosePlan(model, devices, { objective: 'latency', ftpLayers: 12 });
    assert.deepEqual(c.chosen.spec.shares, [8, 4, 4]);
    const l16 = c.chosen.plan.stages.find((s) => s.id === 'L16')!;
    assert.deepEqual(l16.tasks.map((t) => t.runs[0]!.outChannels), [{ c0: 0, c1: 256 }, { c0: 256, c1: 384 }, { c0: 384, c1: 512 }]);
    const rows = c.candidates.find((x) => x.grid === '3x1 by speed')!;
    assert.deepEqual(rows.spec.ftp!.rowShares, [8, 4, 4]);
    const tiles = rows.plan.stages.find((s) => s.kind === 'ftp')!.tasks;
    assert.deepEqual(tiles.map((t) => [t.worker, t.runs.at(-1)!.region.y1 - t.runs.at(-1)!.region.y0]), [['dev0', 19], ['dev1', 10], ['dev2', 9]]);
  });

  it('latency objective: the two-pass search finds the exhaustive search\'s plan, never slower than the comm plan', async function () {
    this.timeout(60_000);
    for (const [name, n] of [['alexnet', 4], ['yolov2-tiny', 3]] as const) {
      const model = await load(name);
      const fast = await choosePlan(model, equalDevices(n), { objective: 'latency' });
      const full = await choosePlan(model, equalDevices(n), { objective: 'latency', exhaustive: true });
      assert.equal(fast.chosen.label, full.chosen.label, name);
      assert.ok(fast.candidates.length < full.candidates.length);
      const comm = await choosePlan(model, equalDevices(n));
      assert.ok(fast.chosen.cost.latencyMs <= comm.chosen.cost.latencyMs, name);
    }
  });

  it('lexicographic objectives: parse with tie-breakers; memory first never loses to comm first on memory', async () => {
    assert.deepEqual(parseObjective('latency,comm'), ['latency', 'comm', 'memory']);
    assert.deepEqual(parseObjective('memory'), ['memory', 'comm', 'latency']);
    assert.throws(() => parseObjective('speed'), UsageError);
    const model = await load('extraction');
    const m = await choosePlan(model, equalDevices(6), { objective: 'memory,latency' });
    const c = await choosePlan(model, equalDevices(6), { objective: 'comm' });
    assert.ok(m.chosen.cost.maxMemoryBytes <= c.chosen.cost.maxMemoryBytes);
    assert.ok(c.chosen.cost.bytesPerFrame <= m.chosen.cost.bytesPerFrame);
    assert.deepEqual(m.metrics, ['memory', 'latency', 'comm']);
  });

  it('FC layers are partitioned (PAPER §3.4): VGG-16\'s 494 MB head is split across the devices', async () => {
    const model = await load('vgg-16');
    const c = await choosePlan(model, equalDevices(6), { ftpLayers: 7 });
    for (const l of [19, 21, 23]) assert.match(c.chosen.plan.layers[l]!.partition, /^(lop|lip)$/, `layer ${l}`);
    const weights = Object.values(c.chosen.cost.memoryPerDevice).map((m) => m.weightBytes);
    assert.ok(Math.max(...weights) < 110e6, `${Math.max(...weights)}`);
  });

  it('the restricted DP never fuses where the builder cannot, and equals the chain DP when nothing binds', async () => {
    const model = await load('yolov2');
    const layers = tailLayers(model, 12, { fc: true });
    const all = { allowed: () => ['LOP', 'LIP', 'FUSE1', 'FUSE2'] as const };
    assert.equal(solveRestricted(layers, 6, all)!.costElements, solveChain(layers, 6).costElements);
    const noFuse16 = { allowed: (i: number) => (layers[i]!.index === 16 ? ['LOP', 'LIP'] as const : all.allowed()) };
    const r = solveRestricted(layers, 6, noFuse16)!;
    assert.notEqual(r.types[4], 'FUSE1');
    assert.equal(commCost(layers, r.types, 6), r.costElements);
  });
});

describe('planner: --explain and --json', () => {
  it('forced costs: the chosen types cost nothing extra, every other type costs ≥ 0', async () => {
    const layers = tailLayers(await load('yolov2'), 12);
    const sol = solveChain(layers, 6);
    forcedCosts(layers, 6).forEach((m, i) => {
      assert.equal(m.get(sol.types[i]!), sol.costElements, `layer ${layers[i]!.index}`);
      for (const v of m.values()) assert.ok(v >= sol.costElements - 1e-6);
    });
  });

  it('explains the breakpoint, the grid and every tail layer; JSON carries the issue\'s fields', async () => {
    const model = await load('yolov2');
    const c = await choosePlan(model, equalDevices(6));
    const text = explainChoice(model, c).join('\n');
    assert.match(text, /ILP-2 \(PAPER §5\) puts the breakpoint at layer 8/);
    assert.match(text, /layer 26 conv2d .*: LIP; forcing LOP \+\d+\.\d+ MB/);
    assert.match(text, /Grid: 5x5/);
    const doc = planJson(c, baselines(model, c));
    for (const key of ['stages', 'pieces', 'layers', 'devices', 'predicted', 'solver', 'solveMs', 'optimal', 'objectiveValue', 'commReductionVsUnfused']) assert.ok(key in doc, key);
    const base = doc.baseline as { unfusedBytesPerFrame: number; singleDeviceMemoryBytes: number };
    assert.ok(base.unfusedBytesPerFrame > (doc.predicted as { bytesPerFrame: number }).bytesPerFrame);
    assert.ok(base.singleDeviceMemoryBytes > 4 * c.chosen.cost.maxMemoryBytes);
    assert.equal(doc.objectiveValue, c.chosen.cost.bytesPerFrame);
  });
});

describe('cli: deeperthings plan', () => {
  it('--json prints the plan document with the solver figures; --compare and --explain print their sections', async () => {
    const doc = JSON.parse(await runPlan(['--model', 'alexnet', '--devices', '3', '--ftp-layers', '2', '--json'])) as Record<string, unknown>;
    assert.equal((doc.model as { name: string }).name, 'alexnet');
    assert.deepEqual((doc.layers as { partition: string }[]).slice(2, 8).map((l) => l.partition), AUTHORS.alexnet.types);
    assert.equal(doc.solver, 'chain-dp');
    const text = await runPlan(['--model', 'alexnet', '--devices', '3', '--objective', 'comm', '--compare', '--explain']);
    assert.match(text, /alexnet: chosen vs unfused vs one device/);
    assert.match(text, /predicted latency +\d+ ms +\d+ ms +\d+ ms/);
    assert.match(text, /FTP boundary: ILP-2/);
    assert.match(text, /dev2 +\d+\.\d\d MB/);
  });
});
