/**
 * The planner's decisions beyond the paper (planner/choose/pays.ts, mixed-tail.ts, build.ts
 * widthShares): which devices take part, one device when splitting does not pay, never a plan
 * predicted slower than the best single device that fits, layers with fewer channels than devices,
 * the fps objective, and issue 10's CenterNet-on-6 failures. Decisions are checked against plans
 * and costs built independently of the search.
 */
import assert from 'node:assert/strict';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { loadModel } from '../../shared/model/load.ts';
import { assetPath, resolveBuiltinModel } from '../../shared/assets.ts';
import type { Model } from '../../shared/model/ir.ts';
import type { PartitionKind, PlanDevice } from '../../shared/plan/types.ts';
import { equalDevices } from '../../planner/devices.ts';
import { buildPlan } from '../../planner/plan/build.ts';
import { planCost } from '../../planner/cost.ts';
import { choosePlan } from '../../planner/choose/choose.ts';
import { baselines } from '../../planner/choose/baselines.ts';
import { devicesOf } from '../../planner/choose/pays.ts';
import { shortfalls } from '../../planner/choose/objective.ts';
import { runPlan } from '../support/plan-cli.ts';

const cache = new Map<string, Promise<Model>>();
const load = (name: string): Promise<Model> => {
  if (!cache.has(name)) cache.set(name, name === 'centernet' ? loadModel(resolveBuiltinModel('centernet')).then((m) => m.model) : loadDarknet(assetPath('darknet', `${name}.cfg`)));
  return cache.get(name)!;
};

const devices = (n: number, o: Partial<PlanDevice> = {}): PlanDevice[] => equalDevices(n).map((d) => ({ ...d, ...o }));

/** The whole model on device d, built without the planner's search: the yardstick. */
function alone(model: Model, d: PlanDevice): { latencyMs: number; fits: boolean } {
  const tail: Record<number, PartitionKind> = {};
  for (const n of model.nodes) tail[n.id] = 'local';
  const cost = planCost(model, buildPlan(model, { devices: [d], tail }));
  return { latencyMs: cost.latencyMs, fits: shortfalls(cost).length === 0 };
}

describe('planner: what pays', () => {
  it('picks one device, and says so, when the links are too slow for any split to pay', async () => {
    const model = await load('yolov2-tiny');
    const c = await choosePlan(model, devices(4, { linkBps: 1e6 }), { objective: 'latency' });
    assert.equal(devicesOf(c.chosen), 1);
    assert.equal(c.chosen.plan.devices.length, 1);
    const one = alone(model, devices(1)[0]!).latencyMs;
    assert.ok(Math.abs(c.chosen.cost.latencyMs - one) < 1e-6 * one);
    assert.match(c.chosen.plan.reason ?? '', /^one device is faster: \d+ ms vs \d+ ms split$/);
  });

  it('never emits a plan predicted slower than the best single device that fits', async () => {
    for (const name of ['yolov2-tiny', 'alexnet']) {
      const model = await load(name);
      for (const [n, linkBps] of [[2, 1e9], [4, 1e8], [3, 2e6]] as const) {
        const ds = devices(n, { linkBps });
        const c = await choosePlan(model, ds, { objective: 'latency' });
        const single = Math.min(...ds.map((d) => alone(model, d)).filter((a) => a.fits).map((a) => a.latencyMs));
        assert.ok(c.chosen.cost.latencyMs <= single * (1 + 1e-9), `${name} N=${n} ${linkBps} bit/s: ${c.chosen.cost.latencyMs} ms > ${single} ms on one device`);
      }
    }
  });

  it('splits when the links are fast, and the reason names both figures', async () => {
    const model = await load('yolov2-tiny');
    const c = await choosePlan(model, devices(4, { linkBps: 10e9 }), { objective: 'latency' });
    assert.ok(devicesOf(c.chosen) > 1);
    assert.match(c.reason ?? '', /^\d devices are faster: \d+ ms vs \d+ ms on one device \(dev\d\)$/);
  });

  it('leaves slow devices idle: a subset of the workers takes part', async () => {
    const model = await load('yolov2-tiny');
    const ds = [...devices(2, { speed: 50, linkBps: 1e9 }), ...devices(4, { speed: 0.05, linkBps: 1e9 }).map((d, i) => ({ ...d, id: `slow${i}` }))];
    const c = await choosePlan(model, ds, { objective: 'latency' });
    const used = new Set(c.chosen.plan.stages.flatMap((s) => s.tasks.map((t) => t.worker)));
    assert.ok(![...used].some((w) => w.startsWith('slow')), `slow devices used: ${[...used].join(', ')}`);
    assert.ok(c.chosen.cost.latencyMs <= alone(model, ds[0]!).latencyMs);
  });

  it('splits when no single device has the memory, and says why', async () => {
    const model = await load('yolov2');
    const c = await choosePlan(model, devices(4, { memoryBytes: 150e6, linkBps: 1e6 }), { objective: 'latency' });
    assert.ok(devicesOf(c.chosen) > 1);
    assert.equal(shortfalls(c.chosen.cost).length, 0);
    assert.match(c.reason ?? '', /no single device fits the model in memory/);
  });

  it('--objective fps ranks by the busiest device or link and predicts frames/s', async () => {
    const model = await load('yolov2-tiny');
    const ds = devices(3, { linkBps: 1e9 });
    const fps = await choosePlan(model, ds, { objective: 'fps' });
    const lat = await choosePlan(model, ds, { objective: 'latency' });
    assert.ok(fps.chosen.cost.bottleneckMs <= lat.chosen.cost.bottleneckMs * (1 + 1e-9));
    assert.ok(lat.chosen.cost.latencyMs <= fps.chosen.cost.latencyMs * (1 + 1e-9));
    assert.ok(Math.abs((fps.chosen.plan.predicted?.fps ?? 0) - 1000 / fps.chosen.cost.bottleneckMs) < 1e-2);
    assert.match(fps.reason ?? '', /frames\/s/);
  });
});

describe('planner: fewer channels than devices (issue 10)', () => {
  it('a LOP layer with c < N output channels runs on c devices', async () => {
    const model = await load('yolov2-tiny');
    const last = Math.max(...model.nodes.filter((n) => n.kind === 'conv2d').map((n) => n.id));
    const narrow: Model = { ...model, nodes: model.nodes.map((n) => (n.id === last && n.kind === 'conv2d' ? { ...n, filters: 3, out: { ...n.out, c: 3 } } : n)).slice(0, last + 1), outputs: [last], head: 'none' };
    const tail: Record<number, PartitionKind> = {};
    for (let l = 0; l <= last; l++) tail[l] = narrow.nodes[l]!.kind === 'conv2d' ? 'lop' : 'local';
    const plan = buildPlan(narrow, { devices: devices(6), tail });
    const stage = plan.stages.find((s) => s.id === `L${last}`)!;
    assert.deepEqual(stage.tasks.map((t) => t.worker), ['dev0', 'dev1', 'dev2']);
    assert.deepEqual(stage.tasks.map((t) => t.runs[0]!.outChannels), [{ c0: 0, c1: 1 }, { c0: 1, c1: 2 }, { c0: 2, c1: 3 }]);
  });

  it('centernet plans on 6 devices for every objective, and its baselines build', async () => {
    const model = await load('centernet');
    for (const objective of ['latency', 'comm', 'fps']) {
      const c = await choosePlan(model, devices(6), { objective });
      assert.ok(c.chosen.plan.stages.length > 0, objective);
      const base = baselines(model, c);
      assert.equal(base.unfused.plan.layers.filter((l) => l.partition === 'fuse1').length, 0);
      assert.ok(base.single.cost.latencyMs > 0);
    }
  });

  it('`plan --devices 6 --objective latency` with the default model prints a plan', async () => {
    const out = await runPlan(['--devices', '6', '--objective', 'latency']);
    assert.match(out, /^centernet: (\d of )?6 devices/);
    assert.match(out, /Why: /);
  });
});
