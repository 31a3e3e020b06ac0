/**
 * One HA device per worker (ECOSYSTEM §6.5): a `connectivity` binary_sensor on the worker's retained
 * state topic, whose Last Will is `offline` (DESIGN.md "Topics"); diagnostic sensors from its
 * retained `info` (memory budget, measured speed, link bandwidth) and from its periodic `stats`
 * (memory in use, frames dropped as oversize: counted and reported, never silently lost, §4.1).
 *
 * The connectivity entity is available whenever the bridge is, so a dead worker reads "disconnected"
 * instead of "unavailable"; the other sensors also need the worker itself (availability mode `all`).
 */
import type { WorkerInfo } from '../shared/topics.ts';
import {
  availability, bridgeDeviceId, entityIds, haId, instanceId, jsonField, MANUFACTURER, origin,
  type DevicePayload, type DiscoveryBuildContext,
} from './discovery-model.ts';

export interface WorkerSource {
  id: string;
  /** Its retained info, when known: fills the device's model (backend) and software version. */
  info?: WorkerInfo;
}

/**
 * The fields of `<c>/workers/<id>/stats` these entities read, as worker/service.ts publishes them
 * (the topic map types that payload `unknown` for now; the planner may not import worker code).
 */
export interface WorkerStatsFields {
  /** Resident set size of the worker process, bytes. */
  rssBytes: number;
  /** Frames refused for exceeding their camera's `maxFrameBytes`, since start. */
  oversizeFrames: number;
  /** Frames a newer one replaced while they waited (latest frame wins, issue 14 §5); absent from older workers. */
  skippedFrames?: number;
}

function workerDeviceId(ctx: DiscoveryBuildContext, worker: string): string {
  return `${instanceId(ctx.topics)}_worker_${haId(worker)}`;
}

export function workerDevice(ctx: DiscoveryBuildContext, w: WorkerSource): { id: string; payload: DevicePayload } {
  const id = workerDeviceId(ctx, w.id);
  return {
    id,
    payload: {
      device: {
        identifiers: [id], name: `Worker ${w.id}`, manufacturer: MANUFACTURER, model: w.info ? `Worker (${w.info.backend})` : 'Worker',
        ...(w.info ? { sw_version: w.info.version } : {}), via_device: bridgeDeviceId(ctx.topics),
      },
      origin: origin(ctx),
      components: workerComponents(ctx, id, w.id),
    },
  };
}

function workerComponents(ctx: DiscoveryBuildContext, id: string, worker: string): DevicePayload['components'] {
  const t = ctx.topics;
  const avail = availability(t, t.workerState(worker));
  const info = { state_topic: t.workerInfo(worker), entity_category: 'diagnostic', ...avail } as const;
  const stats = { state_topic: t.workerStats(worker), entity_category: 'diagnostic', expire_after: ctx.expireAfterSeconds, ...avail } as const;
  return {
    connectivity: {
      platform: 'binary_sensor', ...entityIds('binary_sensor', id, 'connectivity'), name: 'Connectivity',
      state_topic: t.workerState(worker), payload_on: 'online', payload_off: 'offline', device_class: 'connectivity',
      entity_category: 'diagnostic', ...availability(t),
    },
    memory: {
      platform: 'sensor', ...entityIds('sensor', id, 'memory'), name: 'Memory budget', ...info,
      value_template: `{{ ${jsonField<WorkerInfo>('memoryBytes')} }}`, device_class: 'data_size', unit_of_measurement: 'B',
    },
    memory_used: {
      platform: 'sensor', ...entityIds('sensor', id, 'memory_used'), name: 'Memory used', ...stats,
      value_template: `{{ ${jsonField<WorkerStatsFields>('rssBytes')} }}`, device_class: 'data_size', unit_of_measurement: 'B',
      state_class: 'measurement',
    },
    oversize_frames: {
      platform: 'sensor', ...entityIds('sensor', id, 'oversize_frames'), name: 'Oversize frames dropped', icon: 'mdi:image-off',
      ...stats, value_template: `{{ ${jsonField<WorkerStatsFields>('oversizeFrames')} }}`, state_class: 'total_increasing',
    },
    skipped_frames: {
      platform: 'sensor', ...entityIds('sensor', id, 'skipped_frames'), name: 'Frames skipped (camera faster than the cluster)', icon: 'mdi:debug-step-over',
      ...stats, value_template: `{{ ${jsonField<WorkerStatsFields>('skippedFrames')} | default(0) }}`, state_class: 'total_increasing',
    },
    speed: {
      platform: 'sensor', ...entityIds('sensor', id, 'speed'), name: 'Compute speed', icon: 'mdi:speedometer', ...info,
      value_template: `{{ ${jsonField<WorkerInfo>('speedGflops')} }}`, unit_of_measurement: 'GFLOP/s',
      state_class: 'measurement', suggested_display_precision: 1,
    },
    link: {
      platform: 'sensor', ...entityIds('sensor', id, 'link'), name: 'Link bandwidth', ...info,
      value_template: `{{ ${jsonField<WorkerInfo>('linkBps')} }}`, device_class: 'data_rate', unit_of_measurement: 'B/s',
      state_class: 'measurement',
    },
  };
}
