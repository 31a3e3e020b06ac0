/**
 * Pieces arriving from other workers (DESIGN.md "Data plane"): subscribe to exactly the remote
 * pieces this worker's tasks need, reassemble chunked messages, decode and check them, and hand
 * each whole piece of the current plan on. Pieces of an older plan are dropped quietly (a re-plan
 * leaves frames in flight); anything malformed is reported as `bad-piece`.
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { Transport, Unsubscribe } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { Logger } from '../../shared/log.ts';
import type { PieceDoc, PlanDoc, TaskDoc } from '../../shared/plan/types.ts';
import { decodeTensorMessage } from '../../shared/wire/tensor-codec.ts';
import { ChunkAssembler } from '../../shared/wire/chunk-assembler.ts';
import type { ReportError } from '../tasks/report.ts';
import { pieceTopic } from './outbox.ts';

export interface PieceInboxContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly plan: PlanDoc;
  readonly worker: string;
  readonly log: Logger;
  readonly error: ReportError;
  /** A whole piece of this plan arrived. */
  readonly deliver: (frame: number, piece: string, data: Tensor3) => void;
  /** A whole message (chunks joined) arrived, with its size (the in-process cluster counts these). */
  readonly arrived?: (topic: string, bytes: number) => void;
}

export class PieceInbox {
  readonly #ctx: PieceInboxContext;
  readonly #chunks = new ChunkAssembler({ timeoutMs: 30_000 });
  readonly #unsubs: Unsubscribe[] = [];
  receivedBytes = 0;

  constructor(ctx: PieceInboxContext) {
    this.#ctx = ctx;
  }

  /** Subscribe to every remote piece that `tasks` need. */
  async open(tasks: readonly TaskDoc[], pieces: ReadonlyMap<string, PieceDoc>): Promise<void> {
    const remote = new Set(tasks.flatMap((t) => t.needs.flatMap((n) => n.pieces)).filter((id) => pieces.get(id)!.worker !== this.#ctx.worker));
    for (const id of remote) {
      const topic = pieceTopic(this.#ctx.topics, pieces.get(id)!);
      this.#unsubs.push(await this.#ctx.transport.subscribe(topic, (t, payload) => this.#onMessage(t, payload)));
    }
  }

  async close(): Promise<void> {
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
  }

  /** Drop chunk sets that never completed. */
  sweep(): void {
    this.#chunks.sweep();
  }

  #onMessage(topic: string, payload: Uint8Array): void {
    this.receivedBytes += payload.length;
    const whole = this.#chunks.push(topic, payload);
    if (whole.kind === 'pending') return;
    if (whole.kind === 'error') return this.#ctx.error('bad-piece', `${topic}: ${whole.error.message}`);
    this.#ctx.arrived?.(topic, whole.payload.length);
    const r = decodeTensorMessage(whole.payload, { source: topic });
    if (!r.ok) return this.#ctx.error('bad-piece', r.error.message);
    if (r.header.plan !== this.#ctx.plan.planId) return this.#ctx.log.debug(`${topic}: frame ${r.header.frame} of an older plan dropped`);
    const shape = { h: r.header.shape[0], w: r.header.shape[1], c: r.header.shape[2] };
    this.#ctx.deliver(r.header.frame, r.header.piece, { shape, data: r.data });
  }
}
