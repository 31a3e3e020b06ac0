/**
 * From `deeperthings.yaml` to discovery inputs: the build context (topic tree, HA timings) and the
 * part of the source the file already knows (configured cameras, declared devices). The running
 * planner adds cameras first seen on `<c>/cameras/+/frame` and workers from their retained info.
 */
import { Topics } from '../shared/topics.ts';
import { topicsConfig } from '../shared/config/load.ts';
import type { Config } from '../shared/config/types.ts';
import type { DiscoveryBuildContext } from './discovery-model.ts';
import type { DiscoverySource } from './discovery.ts';

export function discoveryContext(config: Config, swVersion: string, topics = new Topics(topicsConfig(config))): DiscoveryBuildContext {
  return {
    topics, swVersion,
    expireAfterSeconds: config.homeassistant.expireAfterSeconds,
    offDelaySeconds: config.homeassistant.offDelaySeconds,
  };
}

/** Configured cameras, and declared devices as workers (a device count names no ids, so none). */
export function configuredSource(config: Config): DiscoverySource {
  const devices = Array.isArray(config.planner.devices) ? config.planner.devices : [];
  return {
    cameras: Object.entries(config.cameras).map(([name, cam]) => ({ name, labels: cam.labels })),
    workers: devices.map((d) => ({ id: d.id })),
  };
}
