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
 * Wire: worker/runtime/steal-protocol.ts.
 */
import type { Transport, Unsubscribe } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { PieceDoc, PlanDoc, TaskDoc } from '../../shared/plan/types.ts';
import type { ErrorCode } from '../../shared/wire/error-codes.ts';
import { ChunkAssembler } from '../../shared/wire/chunk-assembler.ts';
import { chunkLimit, splitPayload } from '../../shared/wire/chunks.ts';
import { decodeControl, decodeGrant, decodePiece, encodeControl, encodeGrant, stealTopics, type StealClaim, type StealGrant, type StealRequest } from './steal-protocol.ts';
import { stealStages } from '../../shared/plan/steal-stages.ts';

/** What the stealer needs from its worker's runtime (worker/runtime/plan-runtime.ts). */
export interface StealHooks {
  /** The runtime is running a task (a queued tile would wait). */
  busy(): boolean;
  /** Remove and return the oldest queued, unstarted task of `stage`. */
  take(stage: string): { frame: number; task: TaskDoc } | undefined;
  /** The pieces a queued task of this worker needs, as received. */
  inputs(frame: number, task: TaskDoc): Map<string, Tensor3>;
  /** A lent tile came back (declined or no claim in time): queue it again. */
  requeue(frame: number, task: TaskDoc): void;
  /** Take a tile that came back off the queue again, unless it started: true when it was still waiting. */
  unqueue(frame: number, task: TaskDoc): boolean;
  /** A lent tile was claimed: it counts as done here. */
  lent(frame: number, task: TaskDoc): void;
  /** Run a stolen tile (thief) and publish its outputs. */
  run(frame: number, task: TaskDoc, pieces: Map<string, Tensor3>): void;
  /** Hand a piece of this worker's own (made by a thief) to its consumers here. */
  deliver(frame: number, piece: string, data: Tensor3): void;
  error(code: ErrorCode, message: string, extra?: { frame?: number; task?: string }): void;
}

export interface StealContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly plan: PlanDoc;
  readonly worker: string;
  readonly pieces: ReadonlyMap<string, PieceDoc>;
  /** Consuming workers per piece (shared/plan/footprint.ts pieceConsumers). */
  readonly users: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly hooks: StealHooks;
  /** How long a victim waits for the claim of a granted tile (default 1 s, far above a broker round trip). */
  readonly claimTimeoutMs?: number;
  /** A thief asks again at most this often while nothing is granted (default 250 ms). */
  readonly requestIntervalMs?: number;
}

export interface StealStats { requests: number; granted: number; claimed: number; reclaimed: number; stolen: number; declined: number }

interface Lent { readonly frame: number; readonly task: TaskDoc; timer: NodeJS.Timeout; readonly outputs: string[]; readonly thief: string; back: boolean }
interface Pending { readonly frame: number; readonly task: TaskDoc; readonly pieces: Map<string, Tensor3>; readonly timer: NodeJS.Timeout }

/** A taken-back tile is remembered this long for a late claim; a thief waits this long for a confirmation. */
const LATE_MS = 30_000;

export class Stealer {
  readonly #ctx: StealContext;
  /** Stages whose tiles this worker may take and lend (it holds a tile of each). */
  readonly #stages: ReadonlySet<string>;
  readonly #tasks = new Map<string, TaskDoc>();
  readonly #lent = new Map<string, Lent>();
  /** Thief: the claimed tile waiting for the victim's confirmation. */
  readonly #pending = new Map<string, Pending>();
  /** `frame|piece` of this worker's own pieces that a thief will publish and this worker consumes. */
  readonly #expected = new Set<string>();
  readonly #subscribed = new Set<string>();
  readonly #chunks = new ChunkAssembler({ timeoutMs: 10_000 });
  readonly #unsubs: Unsubscribe[] = [];
  /** A granted tile not yet run here: one at a time, further grants are declined. */
  #holding = false;
  #lastRequest = -Infinity;
  #stopped = false;
  readonly stats: StealStats = { requests: 0, granted: 0, claimed: 0, reclaimed: 0, stolen: 0, declined: 0 };

  constructor(ctx: StealContext) {
    this.#ctx = ctx;
    this.#stages = stealStages(ctx.plan, ctx.worker);
    for (const s of ctx.plan.stages) if (this.#stages.has(s.id)) for (const t of s.tasks) this.#tasks.set(t.id, t);
  }

  get active(): boolean { return this.#stages.size > 0; }

  async start(): Promise<void> {
    const { transport: tr, topics: t, worker } = this.#ctx;
    for (const stage of this.#stages) {
      this.#unsubs.push(await tr.subscribe(stealTopics.request(t, stage), (topic, b) => this.#onControl(topic, b)));
      this.#unsubs.push(await tr.subscribe(stealTopics.claim(t, stage, worker), (topic, b) => this.#onControl(topic, b)));
      this.#unsubs.push(await tr.subscribe(stealTopics.grant(t, stage, worker), (topic, b) => this.#onGrant(topic, b)));
      this.#unsubs.push(await tr.subscribe(stealTopics.confirm(t, stage, worker), (topic, b) => this.#onControl(topic, b)));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const l of [...this.#lent.values(), ...this.#pending.values()]) clearTimeout(l.timer);
    this.#lent.clear();
    this.#pending.clear();
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
  }

  /** Thief side: the runtime's queue ran dry. Ask each stage for a waiting tile (rate-limited). */
  idle(frame: number): void {
    const now = performance.now();
    if (this.#stopped || this.#holding || now - this.#lastRequest < (this.#ctx.requestIntervalMs ?? 250)) return;
    this.#lastRequest = now;
    for (const stage of this.#stages) {
      this.stats.requests++;
      const m = { kind: 'request' as const, plan: this.#ctx.plan.planId, stage, thief: this.#ctx.worker, frame };
      this.#send(stealTopics.request(this.#ctx.topics, stage), encodeControl(m)).catch((e: Error) => this.#ctx.hooks.error('publish-failed', `steal request: ${e.message}`));
    }
  }

  /** The thief ran its stolen tile: it may take another one. */
  ran(): void {
    this.#holding = false;
    this.#lastRequest = -Infinity;
  }

  /** Victim side: a piece of this worker's arrived from the broker; true when a thief made it for us. */
  accepts(frame: number, piece: string): boolean {
    return this.#expected.delete(`${frame}|${piece}`);
  }

  #onControl(topic: string, bytes: Uint8Array): void {
    const m = decodeControl(bytes, topic);
    if (m instanceof Error) return this.#ctx.hooks.error('bad-piece', m.message);
    if (m.plan !== this.#ctx.plan.planId || this.#stopped) return;
    if (m.kind === 'confirm') return this.#onConfirm(m.frame, m.task, m.ok && m.thief === this.#ctx.worker);
    if (m.thief === this.#ctx.worker) return;
    if (m.kind === 'request') void this.#grant(m);
    else this.#onClaim(m);
  }

  /** Lend the oldest waiting tile of the stage to the thief, if this worker is busy with something else. */
  async #grant(m: StealRequest): Promise<void> {
    const stage = m.stage;
    if (!this.#stages.has(stage) || !this.#ctx.hooks.busy()) return;
    const next = this.#ctx.hooks.take(stage);
    if (!next) return;
    const { frame, task } = next;
    const inputs = this.#ctx.hooks.inputs(frame, task);
    const outputs = task.outputs.filter((id) => this.#ctx.users.get(id)?.has(this.#ctx.worker));
    for (const id of outputs) this.#expected.add(`${frame}|${id}`);
    const timer = setTimeout(() => this.#reclaim(key(frame, task.id)), this.#ctx.claimTimeoutMs ?? 1000);
    this.#lent.set(key(frame, task.id), { frame, task, timer, outputs, thief: m.thief, back: false });
    this.stats.granted++;
    try {
      await this.#listenFor(outputs);
      const bytes = encodeGrant({ kind: 'grant', plan: this.#ctx.plan.planId, victim: this.#ctx.worker, frame, task: task.id }, inputs, this.#ctx.pieces);
      await this.#send(stealTopics.grant(this.#ctx.topics, stage, m.thief), bytes, { frame, piece: `${task.id}.grant` });
    } catch (e) {
      this.#ctx.hooks.error('publish-failed', `steal grant of ${task.id}: ${(e as Error).message}`);
      this.#reclaim(key(frame, task.id));
    }
  }

  /** The arbiter's word: confirm a claim on a lent tile, or on one taken back that has not started. */
  #onClaim(m: StealClaim): void {
    const k = key(m.frame, m.task), l = this.#lent.get(k);
    if (!l || l.thief !== m.thief) return;
    if (!m.accept) return l.back ? undefined : this.#reclaim(k, true);
    clearTimeout(l.timer);
    this.#lent.delete(k);
    const ok = !l.back || this.#ctx.hooks.unqueue(l.frame, l.task);
    if (ok) {
      if (l.back) for (const id of l.outputs) this.#expected.add(`${l.frame}|${id}`);
      this.stats.claimed++;
      this.#ctx.hooks.lent(l.frame, l.task);
    }
    const confirm = { kind: 'confirm' as const, plan: m.plan, thief: m.thief, frame: m.frame, task: m.task, ok };
    this.#send(stealTopics.confirm(this.#ctx.topics, l.task.stage, m.thief), encodeControl(confirm)).catch((e: Error) => this.#ctx.hooks.error('publish-failed', `steal confirm: ${e.message}`));
  }

  /** Take a lent tile back (declined, or no claim in time): it runs here, unless a late claim finds it still queued. */
  #reclaim(k: string, declined = false): void {
    const l = this.#lent.get(k);
    if (!l || l.back) return;
    clearTimeout(l.timer);
    for (const id of l.outputs) this.#expected.delete(`${l.frame}|${id}`);
    if (declined) this.stats.declined++;
    else this.stats.reclaimed++;
    l.back = true;
    if (declined) this.#lent.delete(k);
    else l.timer = setTimeout(() => this.#lent.delete(k), LATE_MS);
    if (!this.#stopped) this.#ctx.hooks.requeue(l.frame, l.task);
  }

  /** Thief side: the victim confirmed (run the tile) or refused (drop it). */
  #onConfirm(frame: number, task: string, ok: boolean): void {
    const p = this.#pending.get(key(frame, task));
    if (!p) return;
    clearTimeout(p.timer);
    this.#pending.delete(key(frame, task));
    if (!ok) return this.ran();
    this.stats.stolen++;
    this.#ctx.hooks.run(p.frame, p.task, p.pieces);
  }

  /** Thief side: a grant arrived; claim it (or decline a second one) before running it. */
  #onGrant(topic: string, bytes: Uint8Array): void {
    const whole = this.#chunks.push(topic, bytes);
    if (whole.kind === 'pending') return;
    if (whole.kind === 'error') return this.#ctx.hooks.error('bad-piece', `steal: ${whole.error.message}`);
    const g = decodeGrant(whole.payload, topic);
    if (g instanceof Error) return this.#ctx.hooks.error('bad-piece', g.message);
    const task = this.#tasks.get(g.task);
    if (g.plan !== this.#ctx.plan.planId || this.#stopped) return;
    const accept = !!task && !this.#holding;
    const claim = { kind: 'claim' as const, plan: g.plan, thief: this.#ctx.worker, frame: g.frame, task: g.task, accept };
    void this.#send(stealTopics.claim(this.#ctx.topics, task?.stage ?? topic.split('/').at(-2)!, g.victim), encodeControl(claim)).catch(() => undefined);
    if (!accept) return;
    this.#holding = true;
    const k = key(g.frame, g.task);
    this.#pending.set(k, { frame: g.frame, task, pieces: (g as StealGrant).pieces, timer: setTimeout(() => this.#onConfirm(g.frame, g.task, false), LATE_MS) });
  }

  /** Own pieces a thief will publish: subscribe once per topic (kept for the plan; `accepts` filters). */
  async #listenFor(outputs: readonly string[]): Promise<void> {
    for (const id of outputs) {
      const p = this.#ctx.pieces.get(id)!;
      const topic = this.#ctx.topics.data(p.stage, id.slice(p.stage.length + 1));
      if (this.#subscribed.has(topic)) continue;
      this.#subscribed.add(topic);
      this.#unsubs.push(await this.#ctx.transport.subscribe(topic, (t, b) => this.#onOwnPiece(t, b)));
    }
  }

  readonly #ownChunks = new ChunkAssembler({ timeoutMs: 30_000 });

  #onOwnPiece(topic: string, bytes: Uint8Array): void {
    const whole = this.#ownChunks.push(topic, bytes);
    if (whole.kind !== 'whole' && whole.kind !== 'complete') return;
    const r = decodePiece(whole.payload, topic, this.#ctx.plan.planId);
    if (r && this.accepts(r.frame, r.piece)) this.#ctx.hooks.deliver(r.frame, r.piece, r.data);
  }

  async #send(topic: string, bytes: Uint8Array, chunk?: { frame: number; piece: string }): Promise<void> {
    const parts = chunk ? splitPayload(bytes, { ...chunk, limit: chunkLimit(this.#ctx.transport.maxPacketSize, topic) }) : [bytes];
    for (const part of parts) await this.#ctx.transport.publish(topic, part, { qos: 1 });
  }
}

const key = (frame: number, task: string) => `${frame}|${task}`;
