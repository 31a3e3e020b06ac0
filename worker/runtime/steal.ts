/**
 * Dynamic balancing of FTP tiles (DeepThings' work stealing, PAPER.md: an idle device takes a
 * waiting tile, so one slow device does not set every frame's pace). Both roles of one worker:
 * - thief: when its queue runs dry it asks the stage's other workers for a waiting tile, runs a
 *   granted one (its stage's weights are the same whole weights, its program compiles lazily) and
 *   publishes the outputs under the tile's own piece ids, so consumers need no change;
 * - victim (the arbiter): while it is busy, a request takes one unstarted tile off its queue and
 *   grants it with its input pieces. The thief claims it at once; a tile with no claim within
 *   `claimTimeoutMs` (grant or claim lost or slow, thief gone) goes back on the victim's queue.
 *   The victim confirms a claim, also a late one while the tile still waits in its queue (then it
 *   takes it off again), and refuses it once it started the tile itself.
 * The thief runs a tile only on a confirmation, so whatever the delays exactly one of the two runs
 * it. Only a lost confirmation loses the tile: its frame is then reported at the deadline.
 * Wire: worker/runtime/steal-protocol.ts; the victim's side: steal-victim.ts, the thief's: steal-thief.ts.
 */
import type { Unsubscribe } from '../../shared/transport/types.ts';
import { decodeControl, stealTopics } from './steal-protocol.ts';
import { stealStages } from '../../shared/plan/steal-stages.ts';
import type { StealContext, StealStats } from './steal-types.ts';
import { StealVictim } from './steal-victim.ts';
import { StealThief } from './steal-thief.ts';

export type { StealContext, StealHooks, StealStats } from './steal-types.ts';

/** Both roles of one worker in one plan: routes the stage topics to its victim and thief sides. */
export class Stealer {
  readonly #ctx: StealContext;
  /** Stages whose tiles this worker may take and lend (it holds a tile of each). */
  readonly #stages: ReadonlySet<string>;
  readonly #victim: StealVictim;
  readonly #thief: StealThief;
  readonly #unsubs: Unsubscribe[] = [];
  #stopped = false;
  readonly stats: StealStats = { requests: 0, granted: 0, claimed: 0, reclaimed: 0, stolen: 0, declined: 0 };

  constructor(ctx: StealContext) {
    this.#ctx = ctx;
    this.#stages = stealStages(ctx.plan, ctx.worker);
    const side = { steal: ctx, stages: this.#stages, stats: this.stats, stopped: () => this.#stopped };
    this.#victim = new StealVictim(side);
    this.#thief = new StealThief(side);
  }

  get active(): boolean { return this.#stages.size > 0; }

  async start(): Promise<void> {
    const { transport: tr, topics: t, worker } = this.#ctx;
    for (const stage of this.#stages) {
      this.#unsubs.push(await tr.subscribe(stealTopics.request(t, stage), (topic, b) => this.#onControl(topic, b)));
      this.#unsubs.push(await tr.subscribe(stealTopics.claim(t, stage, worker), (topic, b) => this.#onControl(topic, b)));
      this.#unsubs.push(await tr.subscribe(stealTopics.grant(t, stage, worker), (topic, b) => this.#thief.grant(topic, b)));
      this.#unsubs.push(await tr.subscribe(stealTopics.confirm(t, stage, worker), (topic, b) => this.#onControl(topic, b)));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#thief.stop();
    await this.#victim.stop();
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
  }

  /** Thief side: the runtime's queue ran dry. Ask each stage for a waiting tile (rate-limited). */
  idle(frame: number): void {
    this.#thief.idle(frame);
  }

  /** The thief ran its stolen tile: it may take another one. */
  ran(): void {
    this.#thief.ran();
  }

  /** Victim side: a piece of this worker's arrived from the broker; true when a thief made it for us. */
  accepts(frame: number, piece: string): boolean {
    return this.#victim.accepts(frame, piece);
  }

  #onControl(topic: string, bytes: Uint8Array): void {
    const m = decodeControl(bytes, topic);
    if (m instanceof Error) return this.#ctx.hooks.error('bad-piece', m.message);
    if (m.plan !== this.#ctx.plan.planId || this.#stopped) return;
    if (m.kind === 'confirm') return this.#thief.confirm(m.frame, m.task, m.ok && m.thief === this.#ctx.worker);
    if (m.thief === this.#ctx.worker) return;
    if (m.kind === 'request') void this.#victim.grant(m);
    else this.#victim.claim(m);
  }
}
