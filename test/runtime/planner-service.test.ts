/** The planner service on the in-memory bus: frames with no plan are reported, not lost in silence. */
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { Topics } from '../../shared/topics.ts';
import { connect, startPlanner } from '../../cli/stack.ts';
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

describe('planner service', () => {
  it('reports a camera frame published while no plan exists', async () => {
    const { model } = await darknetModel('yolov2-tiny', 96);
    const bus = new MemoryBus();
    const topics = new Topics();
    const p = await startPlanner({ bus }, topics, { model, plan: fusedPlanFn('yolov2-tiny', 10), expectedWorkers: 1, waitMs: 60_000 });
    const client = await connect({ bus }, 'camera');
    try {
      const errors = await collect(client, topics.errors());
      await client.publish(topics.cameraFrame('gate'), DOG);
      const [e] = await errors.next(1, 5000);
      assert.equal(e.code, 'no-plan');
      assert.match(e.message, /camera gate: frame dropped: no plan yet \(0 workers online\)/);
    } finally {
      await p.stop();
      await client.close();
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
});
