/**
 * The transport seam: everything above it (planner, workers, CLI) talks to a `Transport`, and the
 * contract suite (test/contract/transport.test.ts) holds the in-memory bus and every real broker to the
 * same behaviour. Payloads are bytes; topic strings come from shared/topics.ts, payload codecs from
 * shared/wire/.
 */

export interface PublishOptions {
  /** Default 0. QoS 2 is not offered: nothing in DESIGN.md needs exactly-once. */
  qos?: 0 | 1;
  /** Default false. An empty retained payload clears the retained message [MQTT-3.3.1-10]. */
  retain?: boolean;
  /** MQTT 5 Message Expiry Interval (§3.3.2.3.3), so stale frames and tiles die in the broker; ignored on 3.1.1. */
  expirySeconds?: number;
}

export interface MessageMeta {
  /** True when the broker delivered a stored retained message because of a new subscription. */
  retain: boolean;
}

export type MessageHandler = (topic: string, payload: Uint8Array, meta: MessageMeta) => void;

export interface SubscribeOptions {
  qos?: 0 | 1;
}

/** A last will: published by the broker when the connection drops without DISCONNECT [MQTT-3.1.2-8]. */
export interface Will {
  topic: string;
  payload: Uint8Array | string;
  retain?: boolean;
  qos?: 0 | 1;
}

export interface TransportEvents {
  /** Connected (again): re-publish birth / online state here. */
  connect: [];
  /** The connection dropped; the transport may be reconnecting. */
  disconnect: [reason: string];
  error: [error: Error];
}

export type Unsubscribe = () => Promise<void>;

export interface Transport {
  /**
   * Publish; rejects with FrameTooLargeError when the packet would exceed `maxPacketSize`, because an
   * oversize publish otherwise vanishes silently (ECOSYSTEM.md §4.1). Use shared/wire/chunks.ts first.
   */
  publish(topic: string, payload: Uint8Array | string, opts?: PublishOptions): Promise<void>;
  /**
   * Subscribe `handler` to a topic filter; resolves once the broker granted it. Retained messages
   * matching the filter are delivered with `meta.retain` true. Resolves to the matching unsubscribe.
   */
  subscribe(filter: string, handler: MessageHandler, opts?: SubscribeOptions): Promise<Unsubscribe>;
  /** Disconnect cleanly: the broker discards the will [MQTT-3.1.2-10]. */
  close(): Promise<void>;
  /** Largest MQTT packet (fixed header included) the broker accepts, as negotiated at connect. */
  readonly maxPacketSize: number;
  /** 3 = MQTT 3.1, 4 = MQTT 3.1.1, 5 = MQTT 5.0 (the CONNECT protocol level byte). */
  readonly protocolVersion: 3 | 4 | 5;
  readonly clientId: string;
  /** Add a listener; returns its remover. */
  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): () => void;
}

/** The protocol's own ceiling on a packet: 268,435,455 bytes of remaining length (MQTT 3.1.1 §2.2.3). */
export const PROTOCOL_MAX_PACKET = 268_435_455 + 5;

/** Size of a PUBLISH packet carrying `payloadBytes` on `topic` (fixed header, topic, packet id, v5 properties). */
export function publishPacketSize(topic: string, payloadBytes: number, propertyBytes = 0): number {
  const remaining = 2 + Buffer.byteLength(topic) + 2 + propertyBytes + payloadBytes;
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  return 1 + lengthBytes + remaining;
}

/** A minimal typed emitter shared by the transports (STYLE §10: a misspelt event fails to compile). */
export class TransportEmitter {
  #listeners = new Map<keyof TransportEvents, Set<(...args: never[]) => void>>();

  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (...args: never[]) => void);
    return () => void set.delete(listener as (...args: never[]) => void);
  }

  emit<E extends keyof TransportEvents>(event: E, ...args: TransportEvents[E]): void {
    for (const l of this.#listeners.get(event) ?? []) (l as (...a: TransportEvents[E]) => void)(...args);
  }
}
