/**
 * The planner service on the in-memory bus: frames with no plan are reported, not lost in silence;
 * a planner started after its workers plans at once; a failed first plan is told to the command;
 * the bridge `info` answer names the model and objective that run; a clean stop clears what it owns.
 */
import type { PlanDevice, PlanDoc } from '../../shared/plan/types.ts';
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { Topics } from '../../shared/topics.ts';
import { validateConfig, withDefaults } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/types.ts';
import type { MessageHandler, Transport } from '../../shared/transport/types.ts';
import { PlanInfeasibleError } from '../../shared/errors.ts';
import { connect, startPlanner, startWorker } from '../../cli/stack.ts';
import { firstPlanFailure } from '../../cli/planner-cmd.ts';
import { PlannerService } from '../../planner/service.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, collect, fusedPlanFn } from '../support/runtime.ts';
import { autoPlanFn } from '../../planner/auto.ts';
import type { WorkerInfo } from '../../shared/wire/messages.ts';

const until = async (ok: () => boolean, ms: number, what: string): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function defaults(): Config {
  const r = validateConfig(withDefaults({}));
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.config;
}

/** Retained messages on the bus now: subscribe `#` and take what arrives flagged retained before a marker we publish. */
async function retainedTopics(bus: MemoryBus): Promise<string[]> {
  const t = bus.connect({ clientId: `probe-${Math.random()}` });
  const seen: string[] = [];
  let done!: () => void;
  const marker = new Promise<void>((r) => { done = r; });
  await t.subscribe('#', (topic, payload, meta) => {
    if (topic === 'probe/marker') done();
    else if (meta.retain && payload.length > 0) seen.push(topic);
  });
  await t.publish('probe/marker', 'x');
  await marker;
  await t.close();
  return seen;
}

const bound = (v: unknown, t: object) => (typeof v === 'function' ? v.bind(t) : v);

async function announce(bus: MemoryBus, topics: Topics, ids: string[]) {
  const { model, weights } = await darknetModel('yolov2-tiny', 96);
  const workers: { worker: { stop(): Promise<void> }; transport: Transport }[] = [];
  for (const id of ids) workers.push(await startWorker({ bus }, topics, { id, memoryBytes: 4e9, speedGflops: 10, linkBps: 1e8, backend: 'wasm', preloaded: { model, weights } }));
  return { model, stop: async () => { for (const w of workers) { await w.worker.stop(); await w.transport.close(); } } };
}

describe('planner service', function () {
  this.timeout(60_000);

  it('reports a camera frame published while no plan exists, naming the camera', async () => {
    const { model } = await darknetModel('yolov2-tiny', 96);
    const bus = new MemoryBus();
    const topics = new Topics();
    const p = await startPlanner({ bus }, topics, { model, plan: fusedPlanFn('yolov2-tiny', 10), expectedWorkers: 1, waitMs: 60_000 });
    const client = await connect({ bus }, 'camera');
    try {
      const errors = await collect(client, topics.errors());
      await topics.publish(client, topics.cameraFrame('gate'), DOG);
      const [e] = await errors.next(1, 5000);
      assert.equal(e.code, 'no-plan');
      assert.equal(e.camera, 'gate');
      assert.match(e.message, /camera gate: frame dropped: no plan yet \(0 workers online\)/);
    } finally {
      await p.stop();
      await client.close();
    }
  });

  it('a planner started after its workers plans as soon as they are online, not after --wait-ms', async () => {
    const bus = new MemoryBus();
    const topics = new Topics();
    const w = await announce(bus, topics, ['w0', 'w1']);
    // Over MQTT the retained announcements may be handled before the SUBACK's continuation runs (one
    // TCP read carries both): model that order by resolving each subscribe only after delivery.
    const inner = bus.connect({ clientId: 'planner' });
    const transport = new Proxy(inner, {
      get: (t, key) => key === 'subscribe'
        ? async (filter: string, handler: MessageHandler) => { const off = await t.subscribe(filter, handler); await new Promise((r) => setTimeout(r, 20)); return off; }
        : bound(Reflect.get(t, key, t), t),
    });
    const planner = new PlannerService({ transport, topics, model: w.model, plan: fusedPlanFn('yolov2-tiny', 10), expectedWorkers: 2, waitMs: 60_000 });
    const planned = new Promise<void>((resolve) => planner.listeners.add((plan) => plan && resolve()));
    await planner.start();
    try {
      await Promise.race([planned, new Promise((_, reject) => setTimeout(() => reject(new Error('no plan within 10 s (waitMs is 60 s)')), 10_000))]);
      assert.deepEqual(planner.plan!.devices.map((d) => d.id), ['w0', 'w1']);
    } finally {
      await planner.stop();
      await w.stop();
    }
  });

  it('a first plan that cannot be made is told to the command, with the reason', async () => {
    const bus = new MemoryBus();
    const topics = new Topics();
    const w = await announce(bus, topics, ['w0']);
    const infeasible = () => { throw new PlanInfeasibleError('memory', 'planner: no legal plan of test for 1 devices: device w0 lacks 5 MB'); };
    const p = await startPlanner({ bus }, topics, { model: w.model, plan: infeasible, expectedWorkers: 1, waitMs: 60_000 });
    try {
      const e = await firstPlanFailure(p.planner);
      assert.ok(e instanceof PlanInfeasibleError);
      assert.match(e.message, /no legal plan of test for 1 devices/);
    } finally {
      await p.stop();
      await w.stop();
    }
  });

  it('the bridge info answer names the model and objective the planner runs with', async () => {
    const { model } = await darknetModel('tiny', 64);
    const bus = new MemoryBus();
    const topics = new Topics();
    const p = await startPlanner({ bus }, topics, { model, objective: 'latency', plan: fusedPlanFn('tiny', 2), config: defaults(), waitMs: 60_000 });
    const client = await connect({ bus }, 'asker');
    try {
      const responses = await collect(client, topics.bridgeResponse('info'));
      await topics.publish(client, topics.bridgeRequest('info'), { transaction: 1 });
      const [r] = await responses.next(1, 5000);
      assert.deepEqual([r.status, r.data.model, r.data.objective], ['ok', 'tiny', 'latency']);
    } finally {
      await p.stop();
      await client.close();
    }
  });

  it('a clean stop clears the retained plan and Home Assistant devices; a crash keeps them', async () => {
    for (const clean of [true, false]) {
      const bus = new MemoryBus();
      const topics = new Topics();
      const w = await announce(bus, topics, ['w0']);
      const p = await startPlanner({ bus }, topics, { model: w.model, plan: fusedPlanFn('yolov2-tiny', 10), expectedWorkers: 1, waitMs: 60_000, config: defaults() });
      await new Promise<void>((resolve) => (p.planner.plan ? resolve() : p.planner.listeners.add((plan) => plan && resolve())));
      const before = await retainedTopics(bus);
      assert.ok(before.includes(topics.plan()) && before.some((t) => t.startsWith('homeassistant/device/')), before.join(' '));
      if (clean) await p.stop({ clear: true });
      else (p.transport as unknown as { kill(): void }).kill();
      await w.stop();
      const after = await retainedTopics(bus);
      const ours = after.filter((t) => t === topics.plan() || t.startsWith('homeassistant/device/'));
      if (clean) assert.deepEqual(ours, []);
      else assert.deepEqual(ours.sort(), before.filter((t) => t === topics.plan() || t.startsWith('homeassistant/device/')).sort());
      if (!clean) await p.planner.stop();
    }
  });

  it('corrects itself: measured stage times of the current plan move the factors the next plan uses', async () => {
    const { model } = await darknetModel('yolov2-tiny', 96);
    const bus = new MemoryBus();
    const topics = new Topics();
    const p = await startPlanner({ bus }, topics, { model, plan: autoPlanFn({ source: 'yolov2-tiny', objective: 'latency' }), expectedWorkers: 2, waitMs: 60_000 });
    const client = await connect({ bus }, 'workers');
    try {
      for (const id of ['w0', 'w1']) {
        const info: WorkerInfo = { id, version: '1', memoryBytes: 1e9, speedGflops: 5, linkBps: 1e8, backend: 'test' };
        await topics.publish(client, topics.workerInfo(id), info, { retain: true });
        await topics.publish(client, topics.workerState(id), 'online', { retain: true });
      }
      await until(() => p.planner.plan !== undefined, 60_000, 'a plan');
      const plan = p.planner.plan!;
      assert.ok(plan.reason, 'the plan says why');
      const stages = plan.predicted!.stages!;
      const slow = stages.map((s) => ({ stage: s.stage, ms: s.transferMs + 3 * s.computeMs }));
      const body = { camera: 'gate', frame: 1, plan: plan.planId, latencyMs: { total: 0, stages: slow } };
      await client.publish(topics.cameraPredictions('gate'), JSON.stringify(body));
      await client.publish(topics.cameraPredictions('gate'), JSON.stringify({ ...body, plan: 'another' }));
      await until(() => p.planner.calibration.snapshot().frames >= 1, 5000, 'a calibrated frame');
      const cal = p.planner.calibration.snapshot();
      assert.equal(cal.frames, 1);
      const busy = stages.find((s) => s.computeMs >= s.transferMs && s.ms >= 0.5)!;
      assert.ok(cal.compute[busy.workers[0]!]! > 1.2, JSON.stringify(cal));
      const next = await p.planner.replan();
      const dev = next!.devices.find((d) => d.id === busy.workers[0])!;
      assert.ok(dev.speed < 5, `next plan sees ${dev.speed} GFLOP/s`);
    } finally {
      await p.stop();
      await client.close();
    }
  });

  it('re-plans on calibration drift: a worker measured 3× slower than announced loses its share (hysteresis: 0 s, 3 frames)', async () => {
    const { model } = await darknetModel('yolov2-tiny', 96);
    const bus = new MemoryBus();
    const topics = new Topics();
    // Two plans a cost model would weigh: split (10 ms of work on each) or all on w0 (25 ms).
    const planFn = (_m: unknown, devices: PlanDevice[]): PlanDoc => {
      const ms = (id: string, work: number) => work * 5 / devices.find((d) => d.id === id)!.speed;
      const split = ms('w0', 10) + ms('w1', 10), one = ms('w0', 25);
      const stages = split <= one
        ? [{ stage: 'a', ms: ms('w0', 10), computeMs: ms('w0', 10), transferMs: 0, workers: ['w0'] }, { stage: 'b', ms: ms('w1', 10), computeMs: ms('w1', 10), transferMs: 0, workers: ['w1'] }]
        : [{ stage: 'a', ms: one, computeMs: one, transferMs: 0, workers: ['w0'] }];
      return { planId: `${split <= one ? 'split' : 'one'}-${Math.random()}`, devices, stages: stages.map((x) => ({ id: x.stage, kind: 'seq', tasks: [] })), pieces: [], predicted: { latencyMs: Math.min(split, one), stages } } as unknown as PlanDoc;
    };
    const p = await startPlanner({ bus }, topics, { model, plan: planFn, expectedWorkers: 2, waitMs: 60_000, drift: { minIntervalMs: 0, minFrames: 3 } });
    const client = await connect({ bus }, 'workers');
    try {
      for (const id of ['w0', 'w1']) {
        const info: WorkerInfo = { id, version: '1', memoryBytes: 1e9, speedGflops: 5, linkBps: 1e9, backend: 'test' };
        await topics.publish(client, topics.workerInfo(id), info, { retain: true });
        await topics.publish(client, topics.workerState(id), 'online', { retain: true });
      }
      await until(() => p.planner.plan !== undefined, 60_000, 'a plan');
      const first = p.planner.plan!;
      assert.match(first.planId, /^split/);
      const frame = (f: number) => client.publish(topics.cameraPredictions('gate'), JSON.stringify({ camera: 'gate', frame: f, plan: first.planId, latencyMs: { total: 0, detail: [{ stage: 'a', ms: 10 }, { stage: 'b', ms: 30 }] } }));
      await frame(1);
      await frame(2);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(p.planner.plan, first, 'not before 3 frames');
      for (let f = 3; f <= 20 && p.planner.plan === first; f++) {
        await frame(f);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(p.planner.plan!.planId, /^one/, 'switched to the plan that leaves the slow worker out');
      const ratio = p.planner.calibration.snapshot().compute.w1!;
      // Hysteresis: the switch came only once the split plan, corrected, was > 15 % slower than one device (25 ms).
      assert.ok(10 + 10 * ratio > 25 / 0.85, `w1's factor ${ratio} at the switch`);
    } finally {
      await p.stop();
      await client.close();
    }
  });
});
