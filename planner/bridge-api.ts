/**
 * The bridge's request/response API, zigbee2mqtt's envelope (ECOSYSTEM §3, §6.7): a JSON request on
 * `<root>/bridge/request/<name>` is answered on `<root>/bridge/response/<name>` with
 * `{status: 'ok' | 'error', data, error?, transaction}`, echoing the caller's `transaction`.
 *
 * Handler errors are caught in exactly one place (`#dispatch`, STYLE §9); bad JSON, a request that
 * fails its check and an unknown name all become `status: 'error'` answers naming the problem.
 * Retained requests are ignored: a stale one replayed on subscribe must not re-plan or restart a
 * worker. MQTT 5 response topic and correlation data are not honoured: shared/transport/types.ts
 * does not carry them (MessageMeta has only `retain`); the JSON `transaction` serves every client.
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { BridgeRequest, BridgeResponse, TopicMessage, Topics } from '../shared/topics.ts';
import { describe, WireFormatError } from '../shared/wire/json.ts';
import { logger, type Logger } from '../shared/log.ts';
import { OBJECTIVE_PATTERN, type Objective } from '../shared/config/types.ts';

/** Request bodies by name, after their check (the envelope's `transaction` removed). */
export interface BridgeRequests {
  health: Record<string, never>;
  info: Record<string, never>;
  /** Re-plan now, optionally with another objective than the configured one. */
  plan: { objective?: Objective };
  'restart-worker': { id: string };
}

export type BridgeRequestName = keyof BridgeRequests;

/** One handler per request; what it returns is the response's `data`; what it throws, its `error`. */
export type BridgeHandlers = { [K in BridgeRequestName]: (request: BridgeRequests[K]) => unknown };

type Obj = Record<string, unknown>;

/** Per request: why the body is unusable, or the typed body. */
const CHECKS: { [K in BridgeRequestName]: (body: Obj) => string | BridgeRequests[K] } = {
  health: () => ({}),
  info: () => ({}),
  plan: (b) => {
    if (b.objective === undefined) return {};
    return typeof b.objective === 'string' && new RegExp(OBJECTIVE_PATTERN).test(b.objective)
      ? { objective: b.objective }
      : `field 'objective' must be latency, fps, comm or memory, or a list like latency,comm (got ${describe(b.objective)})`;
  },
  'restart-worker': (b) => (typeof b.id === 'string' && b.id !== '' ? { id: b.id } : `field 'id' must name a worker (got ${describe(b.id)})`),
};

export const BRIDGE_REQUESTS = Object.keys(CHECKS) as BridgeRequestName[];

export interface BridgeApiContext {
  transport: Transport;
  topics: Topics;
  handlers: BridgeHandlers;
  log?: Logger;
}

export class BridgeApi {
  readonly #ctx: BridgeApiContext;
  readonly #log: Logger;
  #unsubscribe: Unsubscribe | undefined;

  constructor(ctx: BridgeApiContext) {
    this.#ctx = ctx;
    this.#log = ctx.log ?? logger('bridge');
  }

  async start(): Promise<void> {
    const { topics, transport } = this.#ctx;
    this.#unsubscribe = await topics.subscribe(transport, topics.bridgeRequest('+'), (m) => void this.#onRequest(m));
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  async #onRequest(m: TopicMessage<'bridgeRequest'>): Promise<void> {
    const name = m.params.name!;
    if (m.retain) {
      this.#log.warn(`ignoring retained request on ${m.topic}: requests must not be retained`);
      return;
    }
    const response = await this.#dispatch(name, m);
    try {
      await this.#ctx.topics.publish(this.#ctx.transport, this.#ctx.topics.bridgeResponse(name), response);
    } catch (e) {
      this.#log.error(`cannot answer request '${name}': ${(e as Error).message}`);
    }
  }

  /** The one place handler errors are caught. */
  async #dispatch(name: string, m: TopicMessage<'bridgeRequest'>): Promise<BridgeResponse> {
    const transaction = m.payload.ok ? m.payload.value.transaction : undefined;
    const fail = (error: string): BridgeResponse => ({ status: 'error', data: {}, error, ...(transaction === undefined ? {} : { transaction }) });
    if (!m.payload.ok) {
      const err = m.payload.error;
      return fail(`bridge: request '${name}': ${err instanceof WireFormatError ? err.detail : err.message}`);
    }
    if (!isRequestName(name)) return fail(`bridge: unknown request '${name}' (known: ${BRIDGE_REQUESTS.join(', ')})`);
    const { transaction: _t, ...body } = m.payload.value as BridgeRequest;
    const checked = CHECKS[name](body);
    if (typeof checked === 'string') return fail(`bridge: request '${name}': ${checked}`);
    try {
      const handler = this.#ctx.handlers[name] as (r: unknown) => unknown;
      const data = (await handler(checked)) ?? {};
      return { status: 'ok', data, ...(transaction === undefined ? {} : { transaction }) };
    } catch (e) {
      this.#log.warn(`request '${name}' failed: ${(e as Error).message}`);
      return fail((e as Error).message ?? String(e));
    }
  }
}

function isRequestName(name: string): name is BridgeRequestName {
  return (BRIDGE_REQUESTS as string[]).includes(name);
}
