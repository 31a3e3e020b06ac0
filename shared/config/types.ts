/**
 * The typed shape of `deeperthings.yaml` after defaults, `!secret` references and environment
 * overrides are applied and the JSON Schema (schema.ts) has accepted it. One interface per section;
 * the schema and these types describe the same keys (test/unit/config.test.ts checks the schema
 * against the defaults).
 */

/**
 * What the planner minimises, as planner/choose/objective.ts reads it: `comm` (broker bytes per frame,
 * PAPER §4), `memory` (largest device, §5), `latency` (the default) or `fps` (pipelined throughput: the
 * busiest device or link), or a comma-separated list compared lexicographically (`latency,comm`). Repeated here because shared/ may not import the planner.
 */
export const OBJECTIVES = ['comm', 'memory', 'latency', 'fps'] as const;
export const OBJECTIVE_PATTERN = '^\\s*(comm|memory|latency|fps)(\\s*,\\s*(comm|memory|latency|fps))*\\s*$';
export type Objective = string;

/**
 * How planner/choose/pin.ts pins the tail: `fused` (ILP-1's optimum, PAPER §4), `lop` (all-LOP, the
 * unfused baseline of PAPER §8), `lip`, `seq`, or `auto` (the objective decides).
 */
export const TAIL_PINS = ['fused', 'lop', 'lip', 'seq', 'auto'] as const;
export type TailPin = (typeof TAIL_PINS)[number];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

export interface MqttConfig {
  /** `mqtt://host:1883`, `mqtts://…`, `ws://…`, `wss://…`. */
  url: string;
  username?: string;
  password?: string;
  /**
   * CONNECT protocol level: 5 = MQTT 5.0 where the broker speaks it, else 3.1.1; 4 = MQTT 3.1.1 only
   * (HA drops 3.x in 2027.1, ECOSYSTEM §1.6).
   */
  protocol: 4 | 5;
}

export interface TopicsSection {
  root: string;
  cluster: string;
}

export interface HomeAssistantConfig {
  enabled: boolean;
  /** HA's discovery prefix, configurable in HA (ECOSYSTEM §1.1). */
  discoveryPrefix: string;
  /** Wait after HA's `online` birth before re-announcing (z2m waits 30 s, ECOSYSTEM §3). */
  birthDelaySeconds: number;
  /** Sensors turn "unavailable" when the pipeline is silent this long (`expire_after`, §1.4). */
  expireAfterSeconds: number;
  /** "<label> detected" falls back to off this long after the last detection (`off_delay`). */
  offDelaySeconds: number;
}

/** A device as planner/devices.ts reads it: memory `256MB`, speed GFLOP/s or `measure`, link `100Mbit`. */
export interface DeclaredDevice {
  id: string;
  memory?: string | number;
  speed?: number | 'measure';
  link?: string | number;
}

/** Element encodings of activations between devices (shared/plan/wire.ts), repeated for the schema. */
export const WIRE_CHOICES = ['float32', 'float16', 'int8'] as const;

export interface PlannerConfig {
  objective: Objective;
  /** Pin the tail to one of the paper's baselines (`auto`: the objective's choice). */
  tail: TailPin;
  /** How activations travel between devices: float16 by default (issue 13 §3), float32 exact, int8 smallest. */
  wire: (typeof WIRE_CHOICES)[number];
  /** A number of workers to wait for, or the declared device list; absent: plan with whoever announced. */
  devices?: number | DeclaredDevice[];
  /** Plan with whoever is online after this long, if fewer than `devices` announced (`planner --wait-ms`). */
  waitForWorkersSeconds: number;
  /** A worker whose stats (sent at least every 10 s) stop for this long counts as gone, as its Last Will would say (issue 14 §1). */
  livenessSeconds: number;
}

export interface SnapshotConfig {
  enabled: boolean;
  /** JPEG quality 1..100 (Frigate's snapshot default is 70, ECOSYSTEM §2.1). */
  quality: number;
}

export interface CameraConfig {
  /** Any input topic (a Frigate snapshot, an ESP32-CAM topic); default `<root>/<cluster>/cameras/<name>/frame`. */
  topic?: string;
  /** Larger frames are dropped, counted and reported (ECOSYSTEM §4.1: never silently lost). */
  maxFrameBytes: number;
  /** Labels that get HA sensors and events. */
  labels: string[];
  /** Minimum detection score; absent: the model head's default. */
  threshold?: number;
  /** Detector NMS: `agnostic` (one label per box, Frigate-style; the default) or `per-class` (Darknet's). */
  nms?: 'per-class' | 'agnostic';
  snapshot: SnapshotConfig;
}

export interface WorkersConfig {
  /** Memory budget of a worker started here: bytes or `512MB`. */
  memory: string | number;
  /** GFLOP/s, or `measure` to benchmark at start. */
  speed: number | 'measure';
  /** Frames of one camera the data source runs at once; later ones wait (pipelining, issue 13 §3). */
  framesInFlight: number;
  /** Frames of one camera that may wait behind those in flight; a newer one replaces the oldest (issue 14 §5). */
  queueDepth: number;
  /** Directories the model and weights files a plan names are loaded from (plans name files, never paths). */
  modelDirs?: string[];
  /** FTP work stealing: an idle worker takes a waiting tile of a busy one (worker/runtime/steal.ts). */
  steal: boolean;
  /** The data source keeps the input of the last K frames per camera to re-run them after a fault (issue 14 §1). */
  retainFrames: number;
}

export interface LoggingConfig {
  level: (typeof LOG_LEVELS)[number];
  /** JSON lines on stderr (as DEEPERTHINGS_LOG_JSON=1). */
  json: boolean;
}

export interface Config {
  mqtt: MqttConfig;
  topics: TopicsSection;
  homeassistant: HomeAssistantConfig;
  planner: PlannerConfig;
  cameras: Record<string, CameraConfig>;
  workers: WorkersConfig;
  logging: LoggingConfig;
}
