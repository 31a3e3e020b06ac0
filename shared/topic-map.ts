/**
 * What travels on each topic kind: its payload type, where it lives in the tree, whether it is
 * retained, its format and its validator (DESIGN.md "Topics"). shared/topics.ts builds, parses,
 * publishes and subscribes with it.
 */
import { decodeJson, fail, ok, type Result, type Validator } from './wire/json.ts';
import * as m from './wire/messages.ts';
import type { PlanDoc } from './plan/types.ts';
import type { PredictionsMessage } from './events/predictions.ts';
import type { ObjectEvent } from './events/tracker.ts';
import type { DevicePayload } from './wire/ha-discovery.ts';

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

/** Decode a payload received on a topic of `kind`; never throws. */
export function decodePayload<K extends TopicKind>(kind: K, bytes: Uint8Array, topic: string): Result<TopicMap[K]> {
  const format = TOPIC_SPECS[kind].format as Format;
  if (format === 'bytes') return ok(bytes as TopicMap[K]);
  // [MQTT-3.3.1-10] an empty retained payload is a deletion (plan withdrawn, discovery removed).
  if (bytes.length === 0) return fail(topic, 'empty payload (a cleared retained message)');
  if (format === 'json') return decodeJson<TopicMap[K]>(bytes, PAYLOAD_VALIDATORS[kind], topic);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const why = PAYLOAD_VALIDATORS[kind]?.(text);
  return why ? fail(topic, why) : ok(text as TopicMap[K]);
}
