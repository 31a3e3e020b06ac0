/** The planner service on the in-memory bus: frames with no plan are reported, not lost in silence. */
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { Topics } from '../../shared/topics.ts';
import { connect, startPlanner } from '../../cli/stack.ts';
import { darknetModel } from '../support/models.ts';
import { DOG, collect, fusedPlanFn } from '../support/runtime.ts';

describe('planner service', () => {
  it('reports a camera frame published while no plan exists', async () => {
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
      assert.match(e.message, /camera gate: frame dropped: no plan yet \(0 workers online\)/);
    } finally {
      await p.stop();
      await client.close();
    }
  });
});
