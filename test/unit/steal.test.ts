/**
 * Work stealing's wire and arbiter (worker/runtime/steal*.ts) without a model: a grant carries its
 * pieces exactly; a victim lends a waiting tile only while busy, counts it done on a claim, and
 * takes it back when the claim never comes or is declined (no tile is lost to a lost message).
 */
import { strict as assert } from 'node:assert';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { Topics } from '../../shared/topics.ts';
import type { PieceDoc, PlanDoc, StageDoc, TaskDoc } from '../../shared/plan/types.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { decodeControl, decodeGrant, encodeControl, encodeGrant, stealTopics } from '../../worker/runtime/steal-protocol.ts';
import { Stealer, type StealHooks } from '../../worker/runtime/steal.ts';
import { stealStages } from '../../shared/plan/steal-stages.ts';
import { TaskQueue } from '../../worker/runtime/task-queue.ts';

const region = { y0: 0, y1: 2, x0: 0, x1: 2 };
const piece = (id: string, stage: string, worker: string, dtype: PieceDoc['dtype'] = 'float16'): PieceDoc =>
  ({ id, stage, worker, sel: { node: 0, region, channels: { c0: 0, c1: 1 } }, partial: false, dtype });
const tile = (id: string, worker: string): TaskDoc =>
  ({ id: `f/${id}`, stage: 'f', kind: 'ftp', worker, runs: [], needs: [{ sel: piece('in/x', 'in', 'w0').sel, reduce: false, pieces: [`in/${id}`] }], outputs: [`f/${id}o`] });
const stages: StageDoc[] = [
  { id: 'in', kind: 'ingest', layers: [-1, -1], tasks: [] },
  { id: 'f', kind: 'ftp', layers: [0, 3], tasks: [tile('a', 'w1'), tile('b', 'w1'), tile('c', 'w2')] },
];
const plan = { planId: 'p1', stages, pieces: [piece('in/a', 'in', 'w0'), piece('in/b', 'in', 'w0'), piece('in/c', 'in', 'w0'), piece('f/ao', 'f', 'w1'), piece('f/bo', 'f', 'w1'), piece('f/co', 'f', 'w2')] } as unknown as PlanDoc;
async function until(ok: () => boolean, what: string, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 5))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}
const t2 = (vals: number[]): Tensor3 => ({ shape: { h: 2, w: 2, c: 1 }, data: Float32Array.from(vals) });

describe('work stealing: wire and arbiter', () => {
  it('a grant carries its pieces (float16 exactly, own pieces as float32)', () => {
    const docs = new Map(plan.pieces.map((p) => [p.id, p]));
    const own = new Map([['in/a', t2([0.1, 0.2, 0.3, 0.4])]]);
    const g = decodeGrant(encodeGrant({ kind: 'grant', plan: 'p1', victim: 'w0', frame: 7, task: 'f/a' }, own, docs), 't');
    assert.ok(!(g instanceof Error));
    assert.deepEqual([...g.pieces.get('in/a')!.data], [...own.get('in/a')!.data]);
    assert.equal(g.frame, 7);
    assert.ok(decodeGrant(Uint8Array.of(1, 2), 't') instanceof Error);
    const c = decodeControl(encodeControl({ kind: 'request', plan: 'p1', stage: 'f', thief: 'w2', frame: 3 }), 't');
    assert.ok(!(c instanceof Error) && c.kind === 'request' && c.stage === 'f');
    assert.ok(decodeControl(Buffer.from('{"kind":"claim"}'), 't') instanceof Error);
  });

  it('stages: FTP stages spread over ≥ 2 workers that include this one', () => {
    assert.deepEqual([...stealStages(plan, 'w1')], ['f']);
    assert.deepEqual([...stealStages(plan, 'w0')], []);
  });

  it('TaskQueue.take: the oldest frame\'s matching task', () => {
    const q = new TaskQueue();
    q.push(2, tile('a', 'w1'));
    q.push(1, { ...tile('b', 'w1'), kind: 'lop' });
    q.push(1, tile('c', 'w1'));
    assert.equal(q.take((t) => t.kind === 'ftp')?.task.id, 'f/c');
    assert.equal(q.size, 2);
  });

  async function victim(bus: MemoryBus, busy: boolean) {
    const topics = new Topics();
    const tr = bus.connect({ clientId: 'w1' });
    const queue = new TaskQueue();
    queue.push(5, tile('b', 'w1'));
    const events: string[] = [];
    const hooks: StealHooks = {
      busy: () => busy, take: (s) => queue.take((t) => t.stage === s), inputs: () => new Map([['in/b', t2([1, 2, 3, 4])]]),
      requeue: (f, t) => { events.push(`requeue ${f} ${t.id}`); queue.push(f, t); }, lent: (f, t) => events.push(`lent ${f} ${t.id}`),
      unqueue: (f, t) => queue.take((x, g) => g === f && x.id === t.id) !== undefined,
      run: () => events.push('run'), deliver: () => undefined, error: (c, m) => events.push(`${c} ${m}`),
    };
    const s = new Stealer({ transport: tr, topics, plan, worker: 'w1', pieces: new Map(plan.pieces.map((p) => [p.id, p])), users: new Map(), hooks, claimTimeoutMs: 400 });
    await s.start();
    const client = bus.connect({ clientId: 'thief' });
    return { s, topics, queue, events, client };
  }

  it('a victim lends while busy; without a claim in time the tile comes back', async () => {
    const bus = new MemoryBus();
    const { s, topics, queue, events, client } = await victim(bus, true);
    const grants: Uint8Array[] = [];
    await client.subscribe(stealTopics.grant(topics, 'f', 'w2'), (_t, b) => grants.push(b));
    await client.publish(stealTopics.request(topics, 'f'), encodeControl({ kind: 'request', plan: 'p1', stage: 'f', thief: 'w2', frame: 5 }));
    await until(() => grants.length === 1, 'a grant');
    assert.equal(queue.size, 0, 'the tile left the queue while lent');
    await until(() => events.length > 0, 'the tile back');
    assert.deepEqual(events, ['requeue 5 f/b']);
    assert.equal(queue.size, 1);
    assert.equal(s.stats.reclaimed, 1);
    await s.stop();
  });

  const claim = { kind: 'claim' as const, plan: 'p1', thief: 'w2', frame: 5, task: 'f/b', accept: true };
  const request = { kind: 'request' as const, plan: 'p1', stage: 'f', thief: 'w2', frame: 5 };

  it('a claim makes the tile done at the victim, which confirms it; an idle victim lends nothing', async () => {
    const bus = new MemoryBus();
    const { s, topics, events, client } = await victim(bus, true);
    const confirms: unknown[] = [];
    await client.subscribe(stealTopics.confirm(topics, 'f', 'w2'), (t, b) => confirms.push(decodeControl(b, t)));
    await client.subscribe(stealTopics.grant(topics, 'f', 'w2'), () => void client.publish(stealTopics.claim(topics, 'f', 'w1'), encodeControl(claim)));
    await client.publish(stealTopics.request(topics, 'f'), encodeControl(request));
    await until(() => confirms.length > 0, 'the confirmation');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(events, ['lent 5 f/b'], 'claimed once, never taken back');
    assert.deepEqual(confirms, [{ kind: 'confirm', plan: 'p1', thief: 'w2', frame: 5, task: 'f/b', ok: true }]);
    await s.stop();
    const idle = await victim(new MemoryBus(), false);
    await idle.client.publish(stealTopics.request(idle.topics, 'f'), encodeControl({ kind: 'request', plan: 'p1', stage: 'f', thief: 'w2', frame: 5 }));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(idle.queue.size, 1);
    await idle.s.stop();
  });

  it('a late claim: confirmed while the tile still waits in the queue (taken off again), refused once it started', async () => {
    const { s, topics, queue, events, client } = await victim(new MemoryBus(), true);
    const confirms: { ok?: boolean }[] = [];
    await client.subscribe(stealTopics.confirm(topics, 'f', 'w2'), (t, b) => confirms.push(decodeControl(b, t) as { ok: boolean }));
    await client.publish(stealTopics.request(topics, 'f'), encodeControl(request));
    await until(() => events.includes('requeue 5 f/b'), 'the tile back after no claim');
    await client.publish(stealTopics.claim(topics, 'f', 'w1'), encodeControl(claim));
    await until(() => confirms.length === 1, 'a confirmation');
    assert.equal(confirms[0]!.ok, true);
    assert.equal(queue.size, 0, 'the victim will not run it');
    assert.deepEqual(events, ['requeue 5 f/b', 'lent 5 f/b']);
    // Again, but the victim starts the tile (takes it off its queue) before the late claim.
    queue.push(5, tile('b', 'w1'));
    await client.publish(stealTopics.request(topics, 'f'), encodeControl(request));
    await until(() => events.length === 3, 'the tile back again');
    queue.take(() => true);
    await client.publish(stealTopics.claim(topics, 'f', 'w1'), encodeControl(claim));
    await until(() => confirms.length === 2, 'a refusal');
    assert.equal(confirms[1]!.ok, false);
    await s.stop();
  });
});
