/**
 * The one topic → payload map (STYLE §2, zigbee2mqtt's lib/types/api.ts) for DESIGN.md's topic tree.
 * Topic strings are built and parsed here and nowhere else. Builders return `TopicName<K>`, plain
 * strings at runtime that remember their kind, so `Topics.publish` only compiles with the right payload.
 */
import type { PublishOptions, Transport, Unsubscribe } from './transport/types.ts';
import { topicFilterError } from './transport/match.ts';
import { decodeJson, encodeJson, fail, ok, type Result, type Validator } from './wire/json.ts';
import * as m from './wire/messages.ts';
import type { PlanDoc } from './plan/types.ts';
import type { PredictionsMessage } from './events/predictions.ts';
import type { ObjectEvent } from './events/tracker.ts';
import type { DevicePayload } from './wire/ha-discovery.ts';

export type { Availability, BridgeRequest, BridgeResponse, ErrorCode, ErrorMessage, WorkerInfo, WorkerStats } from './wire/messages.ts';

/**
 * Payload type per topic kind. JSON payloads are owned by the module named in their type (plan:
 * shared/plan, predictions and events: shared/events, HA discovery: shared/wire/ha-discovery.ts);
 * `Uint8Array` is sent as is (data: a tensor message of shared/wire/tensor-codec.ts; frames and
 * snapshots: JPEG/PNG/raw bytes).
 */
export interface TopicMap {
  bridgeState: m.Availability;
  bridgeRequest: m.BridgeRequest;
  bridgeResponse: m.BridgeResponse;
  plan: PlanDoc;
  workerState: m.Availability;
  workerInfo: m.WorkerInfo;
  workerStats: m.WorkerStats;
  data: Uint8Array;
  cameraFrame: Uint8Array;
  cameraPredictions: PredictionsMessage;
  cameraSnapshot: Uint8Array;
  cameraEvents: ObjectEvent;
  errors: m.ErrorMessage;
  haDevice: DevicePayload;
  haStatus: string;
}

const PAYLOAD_VALIDATORS: Partial<Record<keyof TopicMap, Validator>> = {
  bridgeState: m.validateAvailability, workerState: m.validateAvailability,
  bridgeRequest: m.validateBridgeRequest, bridgeResponse: m.validateBridgeResponse,
  workerInfo: m.validateWorkerInfo, errors: m.validateErrorMessage,
  plan: m.validateObject, workerStats: m.validateObject, cameraPredictions: m.validateObject,
  cameraEvents: m.validateObject, haDevice: m.validateObject,
};

type Format = 'text' | 'json' | 'bytes';
interface Spec { base: 'root' | 'cluster' | 'ha'; path: string; retained: boolean; format: Format }

/** DESIGN.md "Topics": base, path under it (`:name` = one level), retained by default, payload format. */
export const TOPIC_SPECS = {
  bridgeState: { base: 'root', path: 'bridge/state', retained: true, format: 'text' },
  bridgeRequest: { base: 'root', path: 'bridge/request/:name', retained: false, format: 'json' },
  bridgeResponse: { base: 'root', path: 'bridge/response/:name', retained: false, format: 'json' },
  plan: { base: 'cluster', path: 'plan', retained: true, format: 'json' },
  workerState: { base: 'cluster', path: 'workers/:id/state', retained: true, format: 'text' },
  workerInfo: { base: 'cluster', path: 'workers/:id/info', retained: true, format: 'json' },
  workerStats: { base: 'cluster', path: 'workers/:id/stats', retained: false, format: 'json' },
  data: { base: 'cluster', path: 'data/:stage/:piece', retained: false, format: 'bytes' },
  cameraFrame: { base: 'cluster', path: 'cameras/:cam/frame', retained: false, format: 'bytes' },
  cameraPredictions: { base: 'cluster', path: 'cameras/:cam/predictions', retained: false, format: 'json' },
  // Retained like Frigate's snapshots, so HA's image entity has a picture after a restart (ECOSYSTEM §2.1).
  cameraSnapshot: { base: 'cluster', path: 'cameras/:cam/snapshot', retained: true, format: 'bytes' },
  // Never retained: HA ignores retained events (ECOSYSTEM §1.5).
  cameraEvents: { base: 'cluster', path: 'cameras/:cam/events', retained: false, format: 'json' },
  errors: { base: 'cluster', path: 'errors', retained: false, format: 'json' },
  // HA device-based discovery (ECOSYSTEM §1.2), retained or entities vanish after an HA restart.
  haDevice: { base: 'ha', path: 'device/:id/config', retained: true, format: 'json' },
  // HA's birth and will (`online`/`offline`): on `online` discovery is re-published (ECOSYSTEM §1.4).
  haStatus: { base: 'ha', path: 'status', retained: false, format: 'text' },
} as const satisfies Record<keyof TopicMap, Spec>;

export type TopicKind = keyof TopicMap;

type ParamNames<P extends string> = P extends `${infer A}/${infer B}` ? ParamNames<A> | ParamNames<B> : P extends `:${infer N}` ? N : never;
/** The parameters of a kind, e.g. `{stage, piece}` for 'data'; '+' in a parameter makes a filter. */
export type TopicParams<K extends TopicKind> = { [N in ParamNames<(typeof TOPIC_SPECS)[K]['path']>]: string | number };

declare const kindBrand: unique symbol;
/** A topic (or filter) string built for kind K. */
export type TopicName<K extends TopicKind> = string & { readonly [kindBrand]: K };

export interface ParsedTopic<K extends TopicKind = TopicKind> { kind: K; params: Record<string, string> }

export interface TopicsConfig {
  /** Default 'deeperthings'; may have several levels ('home/deeperthings'). */
  root?: string;
  /** Default 'default'. */
  cluster?: string;
  /** Home Assistant discovery prefix, configurable in HA; default 'homeassistant'. */
  haPrefix?: string;
}

/** HA node and object ids must match this or HA logs the topic as illegal (ECOSYSTEM §1.1). */
const HA_ID = /^[a-zA-Z0-9_-]+$/;

export class Topics {
  readonly root: string;
  readonly cluster: string;
  readonly haPrefix: string;
  readonly #levels: [TopicKind, string[]][];

  constructor(config: TopicsConfig = {}) {
    this.root = config.root ?? 'deeperthings';
    this.cluster = config.cluster ?? 'default';
    this.haPrefix = config.haPrefix ?? 'homeassistant';
    for (const [name, v] of [['root', this.root], ['haPrefix', this.haPrefix]] as const) {
      if (v.split('/').some((l) => l === '' || /[+#\u0000]/.test(l))) throw new Error(`topics: ${name} '${v}' must be non-empty levels without wildcards`);
    }
    checkLevel('cluster', this.cluster);
    // The bridge lives at <root>/bridge/…: a cluster of that name would make its topics ambiguous.
    if (this.cluster === 'bridge') throw new Error(`topics: cluster id 'bridge' collides with <root>/bridge/`);
    this.#levels = (Object.keys(TOPIC_SPECS) as TopicKind[]).map((k) => [k, this.#base(k).split('/').concat(TOPIC_SPECS[k].path.split('/'))]);
  }

  /** The concrete topic (or, with '+' parameters, filter) of `kind`. Throws on a malformed parameter. */
  topic<K extends TopicKind>(kind: K, params: TopicParams<K>): TopicName<K> {
    const values = params as Record<string, string | number>;
    const levels = TOPIC_SPECS[kind].path.split('/').map((l) => {
      if (!l.startsWith(':')) return l;
      const v = String(values[l.slice(1)]);
      checkLevel(`${kind} parameter '${l.slice(1)}'`, v, true);
      if (kind === 'haDevice' && v !== '+' && !HA_ID.test(v)) throw new Error(`topics: Home Assistant device id '${v}' must match ${HA_ID}`);
      return v;
    });
    return `${this.#base(kind)}/${levels.join('/')}` as TopicName<K>;
  }

  bridgeState() { return this.topic('bridgeState', {}); }
  bridgeRequest(name: string) { return this.topic('bridgeRequest', { name }); }
  bridgeResponse(name: string) { return this.topic('bridgeResponse', { name }); }
  plan() { return this.topic('plan', {}); }
  workerState(id: string) { return this.topic('workerState', { id }); }
  workerInfo(id: string) { return this.topic('workerInfo', { id }); }
  workerStats(id: string) { return this.topic('workerStats', { id }); }
  data(stage: string | number, piece: string) { return this.topic('data', { stage, piece }); }
  cameraFrame(cam: string) { return this.topic('cameraFrame', { cam }); }
  cameraPredictions(cam: string) { return this.topic('cameraPredictions', { cam }); }
  cameraSnapshot(cam: string) { return this.topic('cameraSnapshot', { cam }); }
  cameraEvents(cam: string) { return this.topic('cameraEvents', { cam }); }
  errors() { return this.topic('errors', {}); }
  haDevice(id: string) { return this.topic('haDevice', { id }); }
  haStatus() { return this.topic('haStatus', {}); }
  /** Filter for everything of this cluster (monitoring, `deeperthings verify`). */
  clusterAll(): string { return `${this.root}/${this.cluster}/#`; }

  /** Which kind a received topic is, with its parameters; undefined for topics outside the map. */
  parse(topic: string): ParsedTopic | undefined {
    const t = topic.split('/');
    for (const [kind, levels] of this.#levels) {
      if (levels.length !== t.length) continue;
      const params: Record<string, string> = {};
      const matches = levels.every((l, i) => {
        if (!l.startsWith(':')) return l === t[i];
        params[l.slice(1)] = t[i];
        return t[i] !== '';
      });
      if (matches) return { kind, params };
    }
    return undefined;
  }

  /** Retained unless the map says otherwise; JSON payloads are serialised, text and bytes sent as is. */
  publish<K extends TopicKind>(t: Transport, topic: TopicName<K>, payload: TopicMap[K], opts: PublishOptions = {}): Promise<void> {
    const kind = this.parse(topic)?.kind;
    if (!kind) return Promise.reject(new Error(`topics: '${topic}' is not a topic of this tree (root ${this.root}, cluster ${this.cluster})`));
    const spec = TOPIC_SPECS[kind];
    const bytes = spec.format === 'json' ? encodeJson(payload) : (payload as string | Uint8Array);
    return t.publish(topic, bytes, { ...opts, retain: opts.retain ?? spec.retained });
  }

  /** Delete a retained message ([MQTT-3.3.1-10]: an empty retained payload): a withdrawn plan, a removed HA device. */
  clear<K extends TopicKind>(t: Transport, topic: TopicName<K>, opts: PublishOptions = {}): Promise<void> {
    if (!this.parse(topic)) return Promise.reject(new Error(`topics: '${topic}' is not a topic of this tree (root ${this.root}, cluster ${this.cluster})`));
    return t.publish(topic, '', { ...opts, retain: true });
  }

  /** Subscribe with decoding and validation by kind; a bad payload arrives as `{ok: false}`, never a throw. */
  subscribe<K extends TopicKind>(t: Transport, filter: TopicName<K>, handler: (m: TopicMessage<K>) => void): Promise<Unsubscribe> {
    const bad = topicFilterError(filter);
    if (bad) return Promise.reject(new Error(`topics: ${bad}`));
    return t.subscribe(filter, (topic, payload, meta) => {
      const parsed = this.parse(topic) as ParsedTopic<K> | undefined;
      if (!parsed) return; // a foreign topic under a '#' filter
      handler({ topic, kind: parsed.kind, params: parsed.params, retain: meta.retain, payload: decodePayload(parsed.kind, payload, topic) });
    });
  }

  #base(kind: TopicKind): string {
    const base = TOPIC_SPECS[kind].base;
    return base === 'root' ? this.root : base === 'cluster' ? `${this.root}/${this.cluster}` : this.haPrefix;
  }
}

export interface TopicMessage<K extends TopicKind> extends ParsedTopic<K> {
  topic: string;
  retain: boolean;
  payload: Result<TopicMap[K]>;
}

/** Decode a payload received on a topic of `kind`; never throws. */
function decodePayload<K extends TopicKind>(kind: K, bytes: Uint8Array, topic: string): Result<TopicMap[K]> {
  const format = TOPIC_SPECS[kind].format as Format;
  if (format === 'bytes') return ok(bytes as TopicMap[K]);
  // [MQTT-3.3.1-10] an empty retained payload is a deletion (plan withdrawn, discovery removed).
  if (bytes.length === 0) return fail(topic, 'empty payload (a cleared retained message)');
  if (format === 'json') return decodeJson<TopicMap[K]>(bytes, PAYLOAD_VALIDATORS[kind], topic);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const why = PAYLOAD_VALIDATORS[kind]?.(text);
  return why ? fail(topic, why) : ok(text as TopicMap[K]);
}

function checkLevel(what: string, v: string, allowPlus = false): void {
  if (allowPlus && v === '+') return;
  if (v === '' || /[/+#\u0000]/.test(v)) throw new Error(`topics: ${what} '${v}' must be one non-empty topic level without '/', '+' or '#'`);
}
