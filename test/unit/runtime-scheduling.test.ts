/** Scheduling pieces of the plan runtime (issue 13 §3): oldest frame first, frames per camera, async outbox. */
import { strict as assert } from 'node:assert';
import type { TaskDoc, PieceDoc, PlanDoc } from '../../shared/plan/types.ts';
import type { Transport } from '../../shared/transport/types.ts';
import { Topics } from '../../shared/topics.ts';
import { TaskQueue } from '../../worker/runtime/task-queue.ts';
import { FrameGate } from '../../worker/runtime/frame-gate.ts';
import { Outbox } from '../../worker/runtime/outbox.ts';

const task = (id: string) => ({ id }) as TaskDoc;

describe('runtime scheduling', () => {
  it('task queue: the oldest frame first, arrival order within a frame', () => {
    const q = new TaskQueue();
    q.push(3, task('a'));
    q.push(2, task('b'));
    q.push(3, task('c'));
    q.push(2, task('d'));
    const order: string[] = [];
    for (let n = q.shift(); n; n = q.shift()) order.push(`${n.frame}:${n.task.id}`);
    assert.deepEqual(order, ['2:b', '2:d', '3:a', '3:c']);
    assert.equal(q.size, 0);
  });

  it('frame gate: at most `limit` per camera, the rest wait in order, overflow drops the oldest waiting', () => {
    const admitted: number[] = [], dropped: number[] = [];
    const g = new FrameGate<number>({ limit: 2, maxWaiting: 2, admit: (f) => admitted.push(f), dropped: (f) => dropped.push(f) });
    for (const f of [1, 2, 3, 4]) g.offer('front', f);
    g.offer('back', 10);
    assert.deepEqual(admitted, [1, 2, 10]);
    g.offer('front', 5);
    assert.deepEqual(dropped, [3]);
    g.done('front');
    assert.deepEqual(admitted, [1, 2, 10, 4]);
    assert.deepEqual({ in: g.inFlight('front'), wait: g.waiting('front') }, { in: 2, wait: 1 });
    assert.deepEqual([...g.clear().values()].flat(), [5]);
  });

  it('outbox: send returns before the broker takes the message; the queue bound holds the sender back', async () => {
    const releases: (() => void)[] = [];
    const published: string[] = [];
    const transport = {
      maxPacketSize: 1_000_000,
      publish: (topic: string) => new Promise<void>((r) => releases.push(() => { published.push(topic); r(); })),
    } as unknown as Transport;
    const piece = (id: string): PieceDoc => ({ id: `s/${id}`, stage: 's', worker: 'w0', partial: false, dtype: 'float32', sel: { node: 0, region: { y0: 0, y1: 10, x0: 0, x1: 10 }, channels: { c0: 0, c1: 10 } } });
    const out = new Outbox({ transport, topics: new Topics(), plan: { planId: 'p' } as PlanDoc, remote: () => true, maxQueuedBytes: 6000 });
    const data = { shape: { h: 10, w: 10, c: 10 }, data: new Float32Array(1000) };
    await out.send(1, piece('a'), data, 0); // 4 KB queued: under the bound, returns at once
    let second = false;
    const p2 = out.send(1, piece('b'), data, 0).then(() => { second = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(second, false, '8 KB queued exceeds the 6 KB bound: the sender waits');
    releases.shift()!();
    await p2;
    assert.equal(second, true);
    await new Promise((r) => setImmediate(r));
    releases.shift()!();
    await out.flush();
    assert.deepEqual(published, ['deeperthings/default/data/s/a', 'deeperthings/default/data/s/b']);
    assert.equal(out.queuedBytes, 0);
  });
});
