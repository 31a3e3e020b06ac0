/**
 * The thief's side of work stealing (steal.ts): when its queue runs dry it asks the stage's other
 * workers for a waiting tile, claims a grant (declining a second one while it holds a tile), and
 * runs the tile only on the victim's confirmation, so whatever the delays exactly one of the two
 * runs it. It publishes the outputs under the tile's own piece ids, so consumers need no change.
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { TaskDoc } from '../../shared/plan/types.ts';
import { ChunkAssembler } from '../../shared/wire/chunk-assembler.ts';
import { decodeGrant, encodeControl, sendSteal, stealTopics, type StealGrant } from './steal-protocol.ts';
import { LATE_MS, stealKey as key, type StealSideContext } from './steal-types.ts';

interface Pending { readonly frame: number; readonly task: TaskDoc; readonly pieces: Map<string, Tensor3>; readonly timer: NodeJS.Timeout }

export class StealThief {
  readonly #c: StealSideContext;
  readonly #tasks = new Map<string, TaskDoc>();
  /** The claimed tile waiting for the victim's confirmation. */
  readonly #pending = new Map<string, Pending>();
  readonly #chunks = new ChunkAssembler({ timeoutMs: 10_000 });
  /** A granted tile not yet run here: one at a time, further grants are declined. */
  #holding = false;
  #lastRequest = -Infinity;

  constructor(c: StealSideContext) {
    this.#c = c;
    for (const s of c.steal.plan.stages) if (c.stages.has(s.id)) for (const t of s.tasks) this.#tasks.set(t.id, t);
  }

  stop(): void {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
  }

  /** The runtime's queue ran dry. Ask each stage for a waiting tile (rate-limited). */
  idle(frame: number): void {
    const ctx = this.#c.steal, now = performance.now();
    if (this.#c.stopped() || this.#holding || now - this.#lastRequest < (ctx.requestIntervalMs ?? 250)) return;
    this.#lastRequest = now;
    for (const stage of this.#c.stages) {
      this.#c.stats.requests++;
      const m = { kind: 'request' as const, plan: ctx.plan.planId, stage, thief: ctx.worker, frame };
      sendSteal(ctx.transport, stealTopics.request(ctx.topics, stage), encodeControl(m)).catch((e: Error) => ctx.hooks.error('publish-failed', `steal request: ${e.message}`));
    }
  }

  /** The stolen tile ran: it may take another one. */
  ran(): void {
    this.#holding = false;
    this.#lastRequest = -Infinity;
  }

  /** The victim confirmed (run the tile) or refused (drop it). */
  confirm(frame: number, task: string, ok: boolean): void {
    const p = this.#pending.get(key(frame, task));
    if (!p) return;
    clearTimeout(p.timer);
    this.#pending.delete(key(frame, task));
    if (!ok) return this.ran();
    this.#c.stats.stolen++;
    this.#c.steal.hooks.run(p.frame, p.task, p.pieces);
  }

  /** A grant arrived; claim it (or decline a second one) before running it. */
  grant(topic: string, bytes: Uint8Array): void {
    const ctx = this.#c.steal;
    const whole = this.#chunks.push(topic, bytes);
    if (whole.kind === 'pending') return;
    if (whole.kind === 'error') return ctx.hooks.error('bad-piece', `steal: ${whole.error.message}`);
    const g = decodeGrant(whole.payload, topic);
    if (g instanceof Error) return ctx.hooks.error('bad-piece', g.message);
    const task = this.#tasks.get(g.task);
    if (g.plan !== ctx.plan.planId || this.#c.stopped()) return;
    const accept = !!task && !this.#holding;
    const claim = { kind: 'claim' as const, plan: g.plan, thief: ctx.worker, frame: g.frame, task: g.task, accept };
    void sendSteal(ctx.transport, stealTopics.claim(ctx.topics, task?.stage ?? topic.split('/').at(-2)!, g.victim), encodeControl(claim)).catch(() => undefined);
    if (!accept) return;
    this.#holding = true;
    const k = key(g.frame, g.task);
    this.#pending.set(k, { frame: g.frame, task, pieces: (g as StealGrant).pieces, timer: setTimeout(() => this.confirm(g.frame, g.task, false), LATE_MS) });
  }
}
