/**
 * The one topic → payload map (STYLE §2, zigbee2mqtt's lib/types/api.ts) for DESIGN.md's topic tree.
 * Topic strings are built and parsed here and nowhere else. Builders return `TopicName<K>`, plain
 * strings at runtime that remember their kind, so `Topics.publish` only compiles with the right payload.
 */
import type { PublishOptions, Transport, Unsubscribe } from './transport/types.ts';
import { topicFilterError } from './transport/match.ts';
import { encodeJson, type Result } from './wire/json.ts';
import { TOPIC_SPECS, decodePayload, type TopicKind, type TopicMap } from './topic-map.ts';

export { TOPIC_SPECS, type TopicKind, type TopicMap } from './topic-map.ts';
export type { BridgeRequest, BridgeResponse, ErrorMessage, WorkerInfo } from './wire/messages.ts';

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

function checkLevel(what: string, v: string, allowPlus = false): void {
  if (allowPlus && v === '+') return;
  if (v === '' || /[/+#\u0000]/.test(v)) throw new Error(`topics: ${what} '${v}' must be one non-empty topic level without '/', '+' or '#'`);
}
