/**
 * The mqtt.js-backed Transport (see mqtt.ts for connecting): reads the negotiated maximum packet size,
 * refuses oversize publishes loudly (ECOSYSTEM §4.1), and dispatches the client's single 'message'
 * event to the handlers of each filter.
 */
import type { IConnackPacket, IPublishPacket, MqttClient } from 'mqtt';
import { FrameTooLargeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { topicFilterError, topicMatches, topicNameError } from './match.ts';
import {
  PROTOCOL_MAX_PACKET, TransportEmitter, publishPacketSize,
  type MessageHandler, type PublishOptions, type SubscribeOptions, type Transport, type TransportEvents, type Unsubscribe,
} from './types.ts';

/** Zero-copy view of a Uint8Array as the Buffer mqtt.js wants. */
export function toBuffer(p: Uint8Array | string): Buffer {
  if (typeof p === 'string') return Buffer.from(p, 'utf8');
  return Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

/** Longest a publish may take before it is given up (a QoS 1 PUBACK or a QoS 0 write). */
const PUBLISH_TIMEOUT_MS = 10_000;

interface Filter { handlers: Set<MessageHandler>; id: number }

interface MqttTransportContext {
  client: MqttClient; connack: IConnackPacket; version: 3 | 4 | 5; clientId: string; log: Logger;
  /** The broker, for the log lines while waiting for it. */
  url?: string;
}

export class MqttTransport implements Transport {
  readonly protocolVersion: 3 | 4 | 5;
  readonly clientId: string;
  #maxPacketSize: number;
  readonly #client: MqttClient;
  readonly #log: Logger;
  readonly #events = new TransportEmitter();
  readonly #filters = new Map<string, Filter>();
  readonly #byId = new Map<number, string>();
  #nextId = 1;
  /** Failed reconnect attempts since the connection was lost (issue 10 #4: log them with a back-off). */
  #failures = 0;
  #lostAt = 0;
  readonly #inFlight = new Set<(e: Error) => void>(); // rejecters of the publishes not yet done

  constructor(ctx: MqttTransportContext) {
    this.#client = ctx.client;
    this.protocolVersion = ctx.version;
    this.clientId = ctx.clientId;
    this.#log = ctx.log;
    this.#maxPacketSize = maxPacketOf(ctx.connack);
    this.#client.on('message', (topic, payload, packet) => this.#dispatch(topic, payload, packet));
    this.#client.on('connect', (connack) => {
      this.#maxPacketSize = maxPacketOf(connack);
      if (this.#lostAt) this.#log.info(`${this.clientId}: reconnected to ${ctx.url ?? 'the broker'} after ${secondsSince(this.#lostAt)} s`);
      this.#failures = 0;
      this.#lostAt = 0;
      this.#events.emit('connect');
    });
    this.#client.on('close', () => {
      for (const abort of [...this.#inFlight]) abort(new Error(`transport: ${this.clientId}: connection lost before the publish completed`));
      if (!this.#lostAt && !this.#client.disconnecting) {
        this.#lostAt = Date.now();
        this.#log.warn(`${this.clientId}: lost the broker ${ctx.url ?? ''}: waiting for it, reconnecting every ${(this.#client.options.reconnectPeriod ?? 1000) / 1000} s`);
      }
      this.#events.emit('disconnect', 'connection closed');
    });
    this.#client.on('error', (e) => {
      this.#logError(e);
      this.#events.emit('error', e);
    });
  }

  /** While reconnecting, one line at attempts 1, 2, 4, 8, …, not one a second (issue 10 #4). */
  #logError(e: Error): void {
    if (!this.#lostAt) return this.#log.warn(`${this.clientId}: ${e.message}`);
    const n = ++this.#failures;
    if ((n & (n - 1)) === 0) this.#log.warn(`${this.clientId}: still waiting for the broker (${secondsSince(this.#lostAt)} s, ${n} attempt${n === 1 ? '' : 's'}): ${e.message}`);
    else this.#log.debug(`${this.clientId}: reconnect attempt ${n}: ${e.message}`);
  }

  get maxPacketSize(): number {
    return this.#maxPacketSize;
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  async publish(topic: string, payload: Uint8Array | string, opts: PublishOptions = {}): Promise<void> {
    const bad = topicNameError(topic);
    if (bad) throw new Error(`transport: ${this.clientId}: ${bad}`);
    const bytes = toBuffer(payload);
    const expiry = this.protocolVersion === 5 && opts.expirySeconds !== undefined;
    // Property length (1 byte) + Message Expiry Interval (1 + 4 bytes), MQTT 5 §3.3.2.3.
    const size = publishPacketSize(topic, bytes.length, this.protocolVersion === 5 ? (expiry ? 6 : 1) : 0);
    if (size > this.#maxPacketSize) throw new FrameTooLargeError(size, this.#maxPacketSize, topic);
    // Issue 14 §1: a publish in flight when the connection drops may never complete, and a caller
    // awaiting it (a worker's send queue) would stop for good. Fail fast while disconnected, and
    // reject what is pending at the disconnect or after PUBLISH_TIMEOUT_MS.
    if (!this.#client.connected) throw new Error(`transport: ${this.clientId}: not connected (publish to ${topic})`);
    const sent = this.#client.publishAsync(topic, bytes, {
      qos: opts.qos ?? 0, retain: opts.retain ?? false,
      properties: expiry ? { messageExpiryInterval: opts.expirySeconds } : undefined,
    });
    let abort!: (e: Error) => void;
    const aborted = new Promise<never>((_, reject) => { abort = reject; });
    this.#inFlight.add(abort);
    const timer = setTimeout(() => abort(new Error(`transport: ${this.clientId}: publish to ${topic} not done after ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
    try {
      await Promise.race([sent, aborted]);
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(abort);
      sent.catch(() => undefined);
    }
  }

  async subscribe(filter: string, handler: MessageHandler, opts: SubscribeOptions = {}): Promise<Unsubscribe> {
    const bad = topicFilterError(filter);
    if (bad) throw new Error(`transport: ${this.clientId}: ${bad}`);
    let entry = this.#filters.get(filter);
    if (!entry) {
      entry = { handlers: new Set(), id: this.#nextId++ };
      this.#filters.set(filter, entry);
      this.#byId.set(entry.id, filter);
    }
    entry.handlers.add(handler);
    try {
      // Subscribing again to a known filter is deliberate: the broker then re-sends the retained
      // messages [MQTT-3.8.4-3], which the new handler needs; earlier handlers see them again.
      await this.#client.subscribeAsync(filter, {
        qos: opts.qos ?? 0,
        ...(this.protocolVersion === 5 ? { properties: { subscriptionIdentifier: entry.id } } : {}),
      });
    } catch (e) {
      await this.#remove(filter, handler);
      throw new Error(`transport: ${this.clientId}: subscribe to '${filter}' refused: ${(e as Error).message}`);
    }
    return () => this.#remove(filter, handler);
  }

  /** Clean disconnect: the broker discards the will [MQTT-3.1.2-10]. */
  async close(): Promise<void> {
    await this.#client.endAsync();
  }

  /** Drop the socket without DISCONNECT, as a crash would: the broker publishes the will [MQTT-3.1.2-8]. */
  kill(): void {
    this.#client.end(true);
  }

  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): () => void {
    return this.#events.on(event, listener);
  }

  async #remove(filter: string, handler: MessageHandler): Promise<void> {
    const entry = this.#filters.get(filter);
    if (!entry || !entry.handlers.delete(handler) || entry.handlers.size > 0) return;
    this.#filters.delete(filter);
    this.#byId.delete(entry.id);
    if (this.#client.connected) await this.#client.unsubscribeAsync(filter);
  }

  #dispatch(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const meta = { retain: packet.retain };
    for (const filter of this.#filtersFor(topic, packet)) {
      for (const h of [...(this.#filters.get(filter)?.handlers ?? [])]) {
        try {
          h(topic, payload, meta);
        } catch (e) {
          this.#log.error(`${this.clientId}: handler for '${filter}' threw on ${topic}: ${(e as Error).message}`);
        }
      }
    }
  }

  /**
   * MQTT 5: the Subscription Identifiers name exactly the subscriptions this copy is for
   * [MQTT-3.3.4-3], so overlapping filters never double-deliver. 3.1.1 has none: match locally, and
   * a broker that sends one copy per overlapping subscription causes duplicates (§3.3.5).
   */
  #filtersFor(topic: string, packet: IPublishPacket): string[] {
    const ids = packet.properties?.subscriptionIdentifier;
    if (ids !== undefined) {
      return (Array.isArray(ids) ? ids : [ids]).map((id) => this.#byId.get(id)).filter((f): f is string => !!f);
    }
    return [...this.#filters.keys()].filter((f) => topicMatches(f, topic));
  }
}

function secondsSince(t: number): number {
  return Math.round((Date.now() - t) / 100) / 10;
}

function maxPacketOf(connack: IConnackPacket): number {
  // MQTT 5 §3.2.2.3.6: absent means no limit beyond the protocol's own.
  return connack.properties?.maximumPacketSize ?? PROTOCOL_MAX_PACKET;
}
