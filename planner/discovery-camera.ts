/**
 * One HA device per camera pipeline (ECOSYSTEM §6.3, §6.5): per configured label a count sensor and
 * a "<label> detected" occupancy binary_sensor, the latest annotated snapshot as an `image`, latency
 * and frames/s sensors, and an `event` entity fired by the tracker's `new` events. (Oversize frames
 * are counted where they are dropped, by the ingesting worker: see discovery-worker.ts.)
 * Values come from the predictions JSON (shared/events/predictions.ts) through templates; the
 * snapshot topic carries raw JPEG bytes, as HA's image platform expects without `image_encoding`.
 */
import type { PredictionLatency, PredictionsMessage } from '../shared/events/predictions.ts';
import type { ObjectEvent, TrackedObject } from '../shared/events/tracker.ts';
import {
  availability, bridgeDeviceId, entityIds, haId, instanceId, jinjaString, jsonField, MANUFACTURER, objectId, origin,
  type Component, type DevicePayload, type DiscoveryBuildContext,
} from './discovery-model.ts';

export interface CameraSource {
  /** The camera's name: its config key, or a topic level seen on `<c>/cameras/+/frame`. */
  name: string;
  /** Labels that get count, detected and event entities. */
  labels: readonly string[];
  /** Worker running the camera's head task, when a plan says so: its Last Will joins the availability. */
  worker?: string;
}

function cameraDeviceId(ctx: DiscoveryBuildContext, camera: string): string {
  return `${instanceId(ctx.topics)}_camera_${haId(camera)}`;
}

const detections = jsonField<PredictionsMessage>('detections');

/** Jinja: how many detections of `label` the frame has. */
function countOf(label: string): string {
  return `(${detections} | default([]) | selectattr('label', 'equalto', ${jinjaString(label)}) | list | count)`;
}

/** Jinja: the HA event JSON for a tracker `new` event of a configured label; empty (ignored by HA) otherwise. */
function eventTemplate(labels: readonly string[]): string {
  const type = jsonField<ObjectEvent>('type');
  const after = jsonField<ObjectEvent>('after');
  // The label is the event type; these become the event's attributes.
  const attrs: (keyof TrackedObject)[] = ['id', 'score', 'box', 'frame_time', 'frame_width', 'frame_height'];
  const dict = [`'event_type': ${after}.label`, ...attrs.map((k) => `'${k}': ${after}.${k}`)].join(', ');
  return `{% if ${type} == 'new' and ${after}.label in ${JSON.stringify(labels)} %}{{ {${dict}} | to_json }}{% endif %}`;
}

function labelComponents(ctx: DiscoveryBuildContext, id: string, predictions: string, label: string, avail: object): Record<string, Component> {
  const key = objectId(label);
  return {
    [`${key}_count`]: {
      platform: 'sensor', ...entityIds('sensor', id, `${key}_count`), name: `${label} count`, icon: 'mdi:counter',
      state_topic: predictions, value_template: `{{ ${countOf(label)} }}`, state_class: 'measurement',
      expire_after: ctx.expireAfterSeconds, ...avail,
    },
    [`${key}_detected`]: {
      platform: 'binary_sensor', ...entityIds('binary_sensor', id, `${key}_detected`), name: `${label} detected`,
      state_topic: predictions, value_template: `{{ 'ON' if ${countOf(label)} > 0 else 'OFF' }}`,
      payload_on: 'ON', payload_off: 'OFF', device_class: 'occupancy', off_delay: ctx.offDelaySeconds,
      expire_after: ctx.expireAfterSeconds, ...avail,
    },
  };
}

function pipelineComponents(ctx: DiscoveryBuildContext, id: string, cam: CameraSource, avail: object): Record<string, Component> {
  const t = ctx.topics;
  const predictions = t.cameraPredictions(cam.name);
  const fps = jsonField<PredictionsMessage>('fps');
  const diag = { state_topic: predictions, entity_category: 'diagnostic', expire_after: ctx.expireAfterSeconds, ...avail } as const;
  return {
    snapshot: {
      platform: 'image', ...entityIds('image', id, 'snapshot'), name: 'Snapshot',
      image_topic: t.cameraSnapshot(cam.name), content_type: 'image/jpeg', ...avail,
    },
    latency: {
      platform: 'sensor', ...entityIds('sensor', id, 'latency'), name: 'Inference latency', ...diag,
      value_template: `{{ ${jsonField<PredictionLatency>('total', jsonField<PredictionsMessage>('latencyMs'))} }}`,
      device_class: 'duration', unit_of_measurement: 'ms', state_class: 'measurement', suggested_display_precision: 0,
    },
    fps: {
      platform: 'sensor', ...entityIds('sensor', id, 'fps'), name: 'Frames per second', icon: 'mdi:speedometer', ...diag,
      // `fps` is optional in the message: HA's MQTT sensor reads the string None as unknown.
      value_template: `{{ ${fps} if ${fps} is defined else None }}`, unit_of_measurement: 'fps',
      state_class: 'measurement', suggested_display_precision: 1,
    },
    detection: {
      // Never retained on our side (shared/topics.ts cameraEvents), and HA ignores retained events anyway.
      platform: 'event', ...entityIds('event', id, 'detection'), name: 'Detection', icon: 'mdi:motion-sensor',
      state_topic: t.cameraEvents(cam.name), event_types: [...cam.labels], value_template: eventTemplate(cam.labels), ...avail,
    },
  };
}

/** The retained device payload of one camera. Throws when two labels map to one entity id. */
export function cameraDevice(ctx: DiscoveryBuildContext, cam: CameraSource): { id: string; payload: DevicePayload } {
  const id = cameraDeviceId(ctx, cam.name);
  const avail = cam.worker === undefined ? availability(ctx.topics) : availability(ctx.topics, ctx.topics.workerState(cam.worker));
  const components = pipelineComponents(ctx, id, cam, avail);
  const predictions = ctx.topics.cameraPredictions(cam.name);
  for (const label of cam.labels) {
    for (const [key, c] of Object.entries(labelComponents(ctx, id, predictions, label, avail))) {
      if (components[key]) throw new Error(`discovery: camera ${cam.name}: label '${label}' maps to entity '${key}', which another label or entity already uses`);
      components[key] = c;
    }
  }
  return {
    id,
    payload: {
      device: { identifiers: [id], name: cam.name, manufacturer: MANUFACTURER, model: 'Camera pipeline', sw_version: ctx.swVersion, via_device: bridgeDeviceId(ctx.topics) },
      origin: origin(ctx),
      components,
    },
  };
}
