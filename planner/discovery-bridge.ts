/**
 * The bridge device: the planner, parent (`via_device`) of every camera and worker device, as
 * zigbee2mqtt's bridge is (ECOSYSTEM §3). Its connection state is the retained `bridge/state` with
 * the planner's Last Will; its plan sensors read the retained plan document (shared/plan/types.ts).
 */
import type { PlanDoc, PlanPrediction } from '../shared/plan/types.ts';
import {
  availability, bridgeDeviceId, entityIds, jsonField, MANUFACTURER, origin,
  type DevicePayload, type DiscoveryBuildContext,
} from './discovery-model.ts';

export function bridgeDevice(ctx: DiscoveryBuildContext): { id: string; payload: DevicePayload } {
  const t = ctx.topics;
  const id = bridgeDeviceId(t);
  const plan = { state_topic: t.plan(), ...availability(t) } as const;
  const predicted = jsonField<PlanDoc>('predicted');
  const latency = jsonField<PlanPrediction>('latencyMs', predicted);
  return {
    id,
    payload: {
      device: { identifiers: [id], name: 'deeperthings bridge', manufacturer: MANUFACTURER, model: 'Planner', sw_version: ctx.swVersion },
      origin: origin(ctx),
      components: {
        // No availability: this entity *is* the bridge's availability, so it must read off, not unavailable.
        connection_state: {
          platform: 'binary_sensor', ...entityIds('binary_sensor', id, 'connection_state'), name: 'Connection state',
          state_topic: t.bridgeState(), payload_on: 'online', payload_off: 'offline', device_class: 'connectivity',
          entity_category: 'diagnostic',
        },
        plan: {
          platform: 'sensor', ...entityIds('sensor', id, 'plan'), name: 'Plan', icon: 'mdi:graph-outline', ...plan,
          value_template: `{{ ${jsonField<PlanDoc>('planId')} }}`,
          json_attributes_topic: t.plan(),
          // A few fields only: the whole plan (stages, pieces) is far larger than a state attribute should be.
          json_attributes_template: `{{ {'objective': ${jsonField<PlanDoc>('objective')}, 'model': ${jsonField<PlanDoc>('model')}.name, ` +
            `'devices': ${jsonField<PlanDoc>('devices')} | map(attribute='id') | list, 'created_at': ${jsonField<PlanDoc>('createdAt')}} | to_json }}`,
        },
        plan_devices: {
          platform: 'sensor', ...entityIds('sensor', id, 'plan_devices'), name: 'Devices in plan', icon: 'mdi:server-network', ...plan,
          value_template: `{{ ${jsonField<PlanDoc>('devices')} | count }}`, state_class: 'measurement',
        },
        predicted_latency: {
          platform: 'sensor', ...entityIds('sensor', id, 'predicted_latency'), name: 'Predicted latency', ...plan,
          // `predicted` is optional in a plan; HA's MQTT sensor reads the string None as unknown.
          value_template: `{{ ${latency} if ${predicted} is defined else None }}`, device_class: 'duration',
          unit_of_measurement: 'ms', state_class: 'measurement', entity_category: 'diagnostic', suggested_display_precision: 0,
        },
      },
    },
  };
}
