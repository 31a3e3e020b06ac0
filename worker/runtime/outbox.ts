/**
 * The one way pieces leave a worker (STYLE §3: one write path): encode once, hand local consumers
 * their copy directly, publish only when another worker needs it, split to the broker's limit
 * (an oversize publish fails silently on MQTT 5, ECOSYSTEM §4.1), and count bytes per topic.
 * Sends are asynchronous (issue 13 §3: sends never block compute): `send` encodes and queues, one
 * drain loop publishes in order, and `send` waits only while more than `maxQueuedBytes` are queued.
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
  /** Backpressure bound of the send queue (default 64 MB: a few frames of YOLOv2-608 maps). */
  readonly maxQueuedBytes?: number;
  /** A publish failed (the broker went away): reported, the queue goes on. */
  readonly failed?: (topic: string, error: Error) => void;
}

interface Queued { readonly topic: string; readonly parts: Uint8Array[]; readonly bytes: number }

export class Outbox {
  readonly #ctx: OutboxContext;
  readonly stats: OutboxStats = { publishedBytes: 0, messages: 0, perTopic: new Map() };

  constructor(ctx: OutboxContext) {
    this.#ctx = ctx;
  }

  readonly #queue: Queued[] = [];
  #queuedBytes = 0;
  #draining: Promise<void> | undefined;
  readonly #roomWaiters: (() => void)[] = [];

  get queuedBytes(): number { return this.#queuedBytes; }

  /** Queue a piece for `frame` if a task on another worker needs it; waits only for queue room. */
  async send(frame: number, p: PieceDoc, data: Tensor3, captureTime?: number): Promise<void> {
    if (!this.#ctx.remote(p.id)) return;
    const s = data.shape;
    const bytes = encodeTensorMessage({
      frame, plan: this.#ctx.plan.planId, stage: p.stage, piece: p.id, region: p.sel.region, channels: p.sel.channels,
      shape: [s.h, s.w, s.c], partial: p.partial, ...(captureTime === undefined ? {} : { t: captureTime }),
    }, data.data, pieceEncoding(p));
    const topic = pieceTopic(this.#ctx.topics, p);
    const parts = splitPayload(bytes, { frame, piece: p.id, limit: chunkLimit(this.#ctx.transport.maxPacketSize, topic) });
    this.#queue.push({ topic, parts, bytes: bytes.length });
    this.#queuedBytes += bytes.length;
    this.#draining ??= this.#drain();
    while (this.#queuedBytes > (this.#ctx.maxQueuedBytes ?? 64e6) && this.#draining) await new Promise<void>((r) => this.#roomWaiters.push(r));
  }

  /** Resolves once everything queued so far is published. */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    for (let q = this.#queue.shift(); q; q = this.#queue.shift()) {
      try {
        for (const part of q.parts) {
          await this.#ctx.transport.publish(q.topic, part, { qos: 0 });
          this.stats.messages++;
          this.stats.publishedBytes += part.length;
          this.stats.perTopic.set(q.topic, (this.stats.perTopic.get(q.topic) ?? 0) + part.length);
        }
      } catch (e) {
        this.#ctx.failed?.(q.topic, e as Error);
      }
      this.#queuedBytes -= q.bytes;
      for (const w of this.#roomWaiters.splice(0)) w();
    }
    this.#draining = undefined;
    for (const w of this.#roomWaiters.splice(0)) w();
  }
}
