/**
 * The victim's side of work stealing (steal.ts), the arbiter: while it is busy, a request takes one
 * unstarted tile off its queue and grants it with its input pieces. The thief claims it at once; a
 * tile with no claim within `claimTimeoutMs` (grant or claim lost or slow, thief gone) goes back on
 * the victim's queue. The victim confirms a claim, also a late one while the tile still waits in
 * its queue (then it takes it off again), and refuses it once it started the tile itself.
 */
import type { Unsubscribe } from '../../shared/transport/types.ts';
import type { TaskDoc } from '../../shared/plan/types.ts';
import { ChunkAssembler } from '../../shared/wire/chunk-assembler.ts';
import { decodePiece, encodeControl, encodeGrant, sendSteal, stealTopics, type StealClaim, type StealRequest } from './steal-protocol.ts';
import { LATE_MS, stealKey as key, type StealSideContext } from './steal-types.ts';

interface Lent { readonly frame: number; readonly task: TaskDoc; timer: NodeJS.Timeout; readonly outputs: string[]; readonly thief: string; back: boolean }

export class StealVictim {
  readonly #c: StealSideContext;
  readonly #lent = new Map<string, Lent>();
  /** `frame|piece` of this worker's own pieces that a thief will publish and this worker consumes. */
  readonly #expected = new Set<string>();
  readonly #subscribed = new Set<string>();
  readonly #ownChunks = new ChunkAssembler({ timeoutMs: 30_000 });
  readonly #unsubs: Unsubscribe[] = [];

  constructor(c: StealSideContext) {
    this.#c = c;
  }

  async stop(): Promise<void> {
    for (const l of this.#lent.values()) clearTimeout(l.timer);
    this.#lent.clear();
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
  }

  /** A piece of this worker's arrived from the broker; true when a thief made it for us. */
  accepts(frame: number, piece: string): boolean {
    return this.#expected.delete(`${frame}|${piece}`);
  }

  /** Lend the oldest waiting tile of the stage to the thief, if this worker is busy with something else. */
  async grant(m: StealRequest): Promise<void> {
    const { steal: ctx, stats } = this.#c, stage = m.stage;
    if (!this.#c.stages.has(stage) || !ctx.hooks.busy()) return;
    const next = ctx.hooks.take(stage);
    if (!next) return;
    const { frame, task } = next;
    const inputs = ctx.hooks.inputs(frame, task);
    const outputs = task.outputs.filter((id) => ctx.users.get(id)?.has(ctx.worker));
    for (const id of outputs) this.#expected.add(`${frame}|${id}`);
    const timer = setTimeout(() => this.#reclaim(key(frame, task.id)), ctx.claimTimeoutMs ?? 1000);
    this.#lent.set(key(frame, task.id), { frame, task, timer, outputs, thief: m.thief, back: false });
    stats.granted++;
    try {
      await this.#listenFor(outputs);
      const bytes = encodeGrant({ kind: 'grant', plan: ctx.plan.planId, victim: ctx.worker, frame, task: task.id }, inputs, ctx.pieces);
      await sendSteal(ctx.transport, stealTopics.grant(ctx.topics, stage, m.thief), bytes, { frame, piece: `${task.id}.grant` });
    } catch (e) {
      ctx.hooks.error('publish-failed', `steal grant of ${task.id}: ${(e as Error).message}`);
      this.#reclaim(key(frame, task.id));
    }
  }

  /** The arbiter's word: confirm a claim on a lent tile, or on one taken back that has not started. */
  claim(m: StealClaim): void {
    const ctx = this.#c.steal;
    const k = key(m.frame, m.task), l = this.#lent.get(k);
    if (!l || l.thief !== m.thief) return;
    if (!m.accept) return l.back ? undefined : this.#reclaim(k, true);
    clearTimeout(l.timer);
    this.#lent.delete(k);
    const ok = !l.back || ctx.hooks.unqueue(l.frame, l.task);
    if (ok) {
      if (l.back) for (const id of l.outputs) this.#expected.add(`${l.frame}|${id}`);
      this.#c.stats.claimed++;
      ctx.hooks.lent(l.frame, l.task);
    }
    const confirm = { kind: 'confirm' as const, plan: m.plan, thief: m.thief, frame: m.frame, task: m.task, ok };
    sendSteal(ctx.transport, stealTopics.confirm(ctx.topics, l.task.stage, m.thief), encodeControl(confirm)).catch((e: Error) => ctx.hooks.error('publish-failed', `steal confirm: ${e.message}`));
  }

  /** Take a lent tile back (declined, or no claim in time): it runs here, unless a late claim finds it still queued. */
  #reclaim(k: string, declined = false): void {
    const l = this.#lent.get(k);
    if (!l || l.back) return;
    clearTimeout(l.timer);
    for (const id of l.outputs) this.#expected.delete(`${l.frame}|${id}`);
    if (declined) this.#c.stats.declined++;
    else this.#c.stats.reclaimed++;
    l.back = true;
    if (declined) this.#lent.delete(k);
    else l.timer = setTimeout(() => this.#lent.delete(k), LATE_MS);
    if (!this.#c.stopped()) this.#c.steal.hooks.requeue(l.frame, l.task);
  }

  /** Own pieces a thief will publish: subscribe once per topic (kept for the plan; `accepts` filters). */
  async #listenFor(outputs: readonly string[]): Promise<void> {
    const ctx = this.#c.steal;
    for (const id of outputs) {
      const p = ctx.pieces.get(id)!;
      const topic = ctx.topics.data(p.stage, id.slice(p.stage.length + 1));
      if (this.#subscribed.has(topic)) continue;
      this.#subscribed.add(topic);
      this.#unsubs.push(await ctx.transport.subscribe(topic, (t, b) => this.#onOwnPiece(t, b)));
    }
  }

  #onOwnPiece(topic: string, bytes: Uint8Array): void {
    const whole = this.#ownChunks.push(topic, bytes);
    if (whole.kind !== 'whole' && whole.kind !== 'complete') return;
    const r = decodePiece(whole.payload, topic, this.#c.steal.plan.planId);
    if (r && this.accepts(r.frame, r.piece)) this.#c.steal.hooks.deliver(r.frame, r.piece, r.data);
  }
}
