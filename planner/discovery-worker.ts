/**
 * One HA device per worker (ECOSYSTEM §6.5): a `connectivity` binary_sensor on the worker's retained
 * state topic, whose Last Will is `offline` (DESIGN.md "Topics"), and diagnostic sensors from its
 * retained `info` (memory budget, measured speed, link bandwidth).
 *
 * The connectivity entity is available whenever the bridge is, so a dead worker reads "disconnected"
 * instead of "unavailable"; the info sensors also need the worker itself (availability mode `all`).
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

export function workerDeviceId(ctx: DiscoveryBuildContext, worker: string): string {
  return `${instanceId(ctx.topics)}_worker_${haId(worker)}`;
}

export function workerDevice(ctx: DiscoveryBuildContext, w: WorkerSource): { id: string; payload: DevicePayload } {
  const t = ctx.topics;
  const id = workerDeviceId(ctx, w.id);
  const info = { state_topic: t.workerInfo(w.id), entity_category: 'diagnostic', ...availability(t, t.workerState(w.id)) } as const;
  return {
    id,
    payload: {
      device: {
        identifiers: [id], name: `Worker ${w.id}`, manufacturer: MANUFACTURER, model: w.info ? `Worker (${w.info.backend})` : 'Worker',
        ...(w.info ? { sw_version: w.info.version } : {}), via_device: bridgeDeviceId(t),
      },
      origin: origin(ctx),
      components: {
        connectivity: {
          platform: 'binary_sensor', ...entityIds('binary_sensor', id, 'connectivity'), name: 'Connectivity',
          state_topic: t.workerState(w.id), payload_on: 'online', payload_off: 'offline', device_class: 'connectivity',
          entity_category: 'diagnostic', ...availability(t),
        },
        memory: {
          platform: 'sensor', ...entityIds('sensor', id, 'memory'), name: 'Memory budget', ...info,
          value_template: `{{ ${jsonField<WorkerInfo>('memoryBytes')} }}`, device_class: 'data_size', unit_of_measurement: 'B',
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
      },
    },
  };
}
