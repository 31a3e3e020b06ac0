/**
 * The defaults object (aedes' pattern, STYLE §8): merged under the user's file, then the environment.
 * Every value here must pass the schema on its own, so an empty `deeperthings.yaml` (or none) starts
 * a working single-machine setup next to Home Assistant's Mosquitto.
 */
import type { CameraConfig, Config } from './types.ts';

export const DEFAULTS: Config = {
  // Mosquitto on this machine, the HA add-on's default port; MQTT 5 because HA is moving to it (§1.6).
  // 127.0.0.1, not localhost: Node may resolve localhost to ::1 where `up`'s broker does not listen.
  mqtt: { url: 'mqtt://127.0.0.1:1883', protocol: 5 },
  topics: { root: 'deeperthings', cluster: 'default' },
  homeassistant: {
    enabled: true,
    discoveryPrefix: 'homeassistant',
    // HA re-reads retained configs itself; the re-announce only covers a broker that lost them.
    birthDelaySeconds: 5,
    expireAfterSeconds: 60,
    offDelaySeconds: 5,
  },
  // The model is not configured here: `--model` names the one that runs (issue 10 #3: one source of truth).
  // `latency` (issue 13: the planner chooses what pays), as `deeperthings plan` defaults to; the `planner` command reads it.
  planner: { objective: 'latency', tail: 'auto', wire: 'float16', waitForWorkersSeconds: 10, livenessSeconds: 30 },
  cameras: {},
  // A Raspberry-Pi-class board (planner/devices.ts DEFAULT_DEVICE); speed measured at start.
  // Two frames in flight keep every stage busy while the first finishes (issue 13 §3).
  workers: { memory: '1GB', speed: 'measure', framesInFlight: 2, queueDepth: 2, steal: true, retainFrames: 4 },
  logging: { level: 'info', json: false },
};

/** Merged under each entry of `cameras` (a camera may name only its topic). */
export const CAMERA_DEFAULTS: CameraConfig = {
  // EMQX's default packet limit is 1 MB (ECOSYSTEM §4); a larger frame would vanish there anyway.
  maxFrameBytes: 1_000_000,
  // Frigate tracks `person` unless told otherwise.
  labels: ['person'],
  snapshot: { enabled: true, quality: 70 },
};
