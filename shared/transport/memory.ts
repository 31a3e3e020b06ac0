/**
 * An in-memory broker and its client transports, for unit tests and single-process runs (STYLE §11,
 * ECOSYSTEM §6.15 "an in-memory MQTT fake"). It keeps the MQTT semantics the rest of the code relies
 * on: retained messages delivered on subscribe and cleared by an empty payload, last will on an
 * abrupt disconnect only, client-id takeover, asynchronous in-order delivery, wildcard rules of
 * match.ts, and a maximum packet size. QoS is accepted and ignored: nothing is ever lost here.
 */
import { FrameTooLargeError } from '../errors.ts';
import { logger } from '../log.ts';
import { topicFilterError, topicMatches, topicNameError } from './match.ts';
import {
  PROTOCOL_MAX_PACKET, TransportEmitter, publishPacketSize,
  type MessageHandler, type PublishOptions, type Transport, type TransportEvents, type Unsubscribe, type Will,
} from './types.ts';

interface Stored { payload: Uint8Array; expiresAt: number }
interface Sub { filter: string; handler: MessageHandler }

const log = logger('transport');

/** A throwing handler must not break delivery to the others (nor crash the process from setImmediate). */
function deliver(sub: Sub, topic: string, payload: Uint8Array, retain: boolean): void {
  try {
    sub.handler(topic, Buffer.from(payload), { retain });
  } catch (e) {
    log.error(`memory bus: handler for '${sub.filter}' threw on ${topic}: ${(e as Error).message}`);
  }
}

export interface MemoryBusContext {
  /** Advertised to clients as `maxPacketSize`; default the protocol maximum. */
  maxPacketSize?: number;
  /** Clock for retained-message expiry (MQTT 5 §3.3.2.3.3); default Date.now. */
  now?: () => number;
}

export interface MemoryConnectOptions {
  clientId: string;
  will?: Will;
}

export class MemoryBus {
  readonly maxPacketSize: number;
  readonly #now: () => number;
  readonly #retained = new Map<string, Stored>();
  readonly #clients = new Map<string, MemoryTransport>();

  constructor(ctx: MemoryBusContext = {}) {
    this.maxPacketSize = ctx.maxPacketSize ?? PROTOCOL_MAX_PACKET;
    this.#now = ctx.now ?? Date.now;
  }

  /** Connect a client. An existing client with the same id is dropped first, will and all [MQTT-3.1.4-2]. */
  connect(opts: MemoryConnectOptions): MemoryTransport {
    this.#clients.get(opts.clientId)?.kill();
    const t = new MemoryTransport({ bus: this, clientId: opts.clientId, will: opts.will });
    this.#clients.set(opts.clientId, t);
    return t;
  }

  /** Number of connected clients (for tests and the `up` command's status line). */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** @internal Route one message to every matching subscription of every connected client. */
  route(topic: string, payload: Uint8Array, opts: PublishOptions): void {
    if (opts.retain) {
      // [MQTT-3.3.1-10] a zero-byte retained payload removes the retained message.
      if (payload.length === 0) this.#retained.delete(topic);
      else this.#retained.set(topic, { payload, expiresAt: this.#expiry(opts.expirySeconds) });
    }
    // Live deliveries carry retain = 0 [MQTT-3.3.1-9]; the subscriber list is fixed at publish time.
    const targets = [...this.#clients.values()].flatMap((c) => c.matching(topic).map((s) => ({ c, s })));
    setImmediate(() => {
      for (const { c, s } of targets) if (c.connected) deliver(s, topic, payload, false);
    });
  }

  /** @internal Deliver the stored retained messages matching a new subscription [MQTT-3.3.1-6]. */
  deliverRetained(sub: Sub): void {
    const now = this.#now();
    const hits: [string, Uint8Array][] = [];
    for (const [topic, s] of this.#retained) {
      if (s.expiresAt <= now) this.#retained.delete(topic);
      else if (topicMatches(sub.filter, topic)) hits.push([topic, s.payload]);
    }
    setImmediate(() => {
      for (const [topic, payload] of hits) deliver(sub, topic, payload, true);
    });
  }

  /** @internal */
  detach(t: MemoryTransport): void {
    if (this.#clients.get(t.clientId) === t) this.#clients.delete(t.clientId);
  }

  #expiry(seconds: number | undefined): number {
    return seconds === undefined ? Infinity : this.#now() + seconds * 1000;
  }
}

interface MemoryTransportContext { bus: MemoryBus; clientId: string; will?: Will }

export class MemoryTransport implements Transport {
  readonly protocolVersion = 5 as const;
  readonly clientId: string;
  readonly #bus: MemoryBus;
  readonly #will: Will | undefined;
  readonly #events = new TransportEmitter();
  #subs: Sub[] = [];
  #open = true;

  constructor(ctx: MemoryTransportContext) {
    this.#bus = ctx.bus;
    this.clientId = ctx.clientId;
    this.#will = ctx.will;
  }

  get maxPacketSize(): number {
    return this.#bus.maxPacketSize;
  }

  get connected(): boolean {
    return this.#open;
  }

  async publish(topic: string, payload: Uint8Array | string, opts: PublishOptions = {}): Promise<void> {
    this.#ensureOpen('publish');
    const bad = topicNameError(topic);
    if (bad) throw new Error(`memory transport: ${this.clientId}: ${bad}`);
    // Copy, as a network would: the caller may reuse its buffer as soon as we resolve.
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
    const size = publishPacketSize(topic, bytes.length);
    if (size > this.maxPacketSize) throw new FrameTooLargeError(size, this.maxPacketSize, topic);
    this.#bus.route(topic, bytes, opts);
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<Unsubscribe> {
    this.#ensureOpen('subscribe');
    const bad = topicFilterError(filter);
    if (bad) throw new Error(`memory transport: ${this.clientId}: ${bad}`);
    const sub: Sub = { filter, handler };
    this.#subs.push(sub);
    this.#bus.deliverRetained(sub);
    return async () => {
      this.#subs = this.#subs.filter((s) => s !== sub);
    };
  }

  /** Clean disconnect: the will is discarded [MQTT-3.1.2-10]. */
  async close(): Promise<void> {
    this.#drop('closed', false);
  }

  /** Abrupt disconnect (a crash, a pulled cable): the broker publishes the will [MQTT-3.1.2-8]. */
  kill(): void {
    this.#drop('killed', true);
  }

  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** @internal Subscriptions of this client matching `topic`. */
  matching(topic: string): Sub[] {
    return this.#subs.filter((s) => topicMatches(s.filter, topic));
  }

  #drop(reason: string, publishWill: boolean): void {
    if (!this.#open) return;
    this.#open = false;
    this.#subs = [];
    this.#bus.detach(this);
    if (publishWill && this.#will) {
      const w = this.#will;
      const payload = typeof w.payload === 'string' ? Buffer.from(w.payload, 'utf8') : Buffer.from(w.payload);
      this.#bus.route(w.topic, payload, { retain: w.retain ?? false });
    }
    this.#events.emit('disconnect', reason);
  }

  #ensureOpen(op: string): void {
    if (!this.#open) throw new Error(`memory transport: ${this.clientId}: ${op} after disconnect`);
  }
}
