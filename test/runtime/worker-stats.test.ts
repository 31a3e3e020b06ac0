/**
 * Worker stats (issue 10 #13): published on change or every 10 s, not once a second by an idle
 * worker. The check ends on a later event (the stats that carry a change), not on a silent sleep.
 */
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { Topics } from '../../shared/topics.ts';
import { connect, startWorker } from '../../cli/stack.ts';
import { collect } from '../support/runtime.ts';
import { StatsGate } from '../../worker/stats-gate.ts';

describe('worker stats', () => {
  it('an idle worker sweeping every 50 ms publishes once, then only when something changed', async () => {
    const bus = new MemoryBus();
    const topics = new Topics();
    const client = await connect({ bus }, 'watcher');
    const stats = await collect(client, topics.workerStats('w0'));
    const w = await startWorker({ bus }, topics, { id: 'w0', memoryBytes: 1e9, speedGflops: 10, linkBps: 1e8, backend: 'wasm', extra: { statsIntervalMs: 50 } });
    try {
      await stats.next(1, 5000);
      await new Promise((r) => setTimeout(r, 500)); // ten idle sweeps
      await client.publish(topics.plan(), '{not json'); // a bad plan: the worker counts an error
      const deadline = Date.now() + 5000;
      while (!stats.messages.some((m) => m.body.errors === 1)) {
        assert.ok(Date.now() < deadline, 'stats with the error arrive');
        await stats.next(stats.messages.length + 1, 5000);
      }
      assert.deepEqual(stats.messages.map((m) => m.body.errors), [0, 1]);
    } finally {
      await w.worker.stop();
      await w.transport.close();
      await client.close();
    }
  });

  it('unchanged stats go out again after the heartbeat; RSS and time are not changes', () => {
    const gate = new StatsGate(10_000);
    const s = (frames: number, rssBytes: number, time: number) => ({ worker: 'w', frames, rssBytes, time });
    assert.deepEqual([gate.due(s(0, 1, 0), 0), gate.due(s(0, 2, 1000), 1000), gate.due(s(0, 3, 9999), 9999), gate.due(s(0, 3, 10_000), 10_000), gate.due(s(1, 3, 10_001), 10_001)],
      [true, false, false, true, true]);
  });
});
