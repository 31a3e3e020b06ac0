/**
 * The one way pieces leave a worker (STYLE §3: one write path): encode once, hand local consumers
 * their copy directly, publish only when another worker needs it, split to the broker's limit
 * (an oversize publish fails silently on MQTT 5, ECOSYSTEM §4.1), and count bytes per topic.
 */
import type { Transport } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { PieceDoc, PlanDoc } from '../../shared/plan/types.ts';
import { encodeTensorMessage } from '../../shared/wire/tensor-codec.ts';
import { chunkLimit, splitPayload } from '../../shared/wire/chunks.ts';
import { pieceEncoding } from '../../shared/plan/wire.ts';

export function pieceTopic(topics: Topics, p: PieceDoc): string {
  return topics.data(p.stage, p.id.slice(p.stage.length + 1));
}

export interface OutboxStats { publishedBytes: number; messages: number; perTopic: Map<string, number> }

export interface OutboxContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly plan: PlanDoc;
  /** True when a task on another worker needs the piece. */
  readonly remote: (piece: string) => boolean;
}

export class Outbox {
  readonly #ctx: OutboxContext;
  readonly stats: OutboxStats = { publishedBytes: 0, messages: 0, perTopic: new Map() };

  constructor(ctx: OutboxContext) {
    this.#ctx = ctx;
  }

  /** Publish a piece for `frame` if a task on another worker needs it. */
  async send(frame: number, p: PieceDoc, data: Tensor3, captureTime: number): Promise<void> {
    if (!this.#ctx.remote(p.id)) return;
    const s = data.shape;
    const bytes = encodeTensorMessage({
      frame, plan: this.#ctx.plan.planId, stage: p.stage, piece: p.id, region: p.sel.region, channels: p.sel.channels,
      shape: [s.h, s.w, s.c], partial: p.partial, t: captureTime,
    }, data.data, pieceEncoding(p));
    const topic = pieceTopic(this.#ctx.topics, p);
    const parts = splitPayload(bytes, { frame, piece: p.id, limit: chunkLimit(this.#ctx.transport.maxPacketSize, topic) });
    for (const part of parts) {
      await this.#ctx.transport.publish(topic, part, { qos: 0 });
      this.stats.messages++;
      this.stats.publishedBytes += part.length;
      this.stats.perTopic.set(topic, (this.stats.perTopic.get(topic) ?? 0) + part.length);
    }
  }
}
