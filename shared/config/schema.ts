/**
 * The JSON Schema of `deeperthings.yaml` (zigbee2mqtt's settings.schema.json + Ajv pattern, STYLE §8),
 * checked once at start with all errors reported. `writeSchema()` publishes it for editors (the YAML
 * language server reads `# yaml-language-server: $schema=deeperthings.schema.json`).
 *
 * `requiresRestart: true` is our own annotation keyword, as in zigbee2mqtt: a key so marked (or any
 * key under it) is read only at start, so changing it while running has no effect until a restart.
 * restart.ts lists the changed keys that carry it; Ajv is told the keyword exists and ignores it.
 */
import { writeFile } from 'node:fs/promises';
import { LOG_LEVELS, OBJECTIVE_PATTERN, TAIL_PINS, WIRE_CHOICES } from './types.ts';

/** A topic level: no '/', no wildcards (shared/topics.ts checks the same at runtime). */
const LEVEL = '^[^/+#\\u0000]+$';
/** Camera names are topic levels and Home Assistant ids (ECOSYSTEM §1.1: `[a-zA-Z0-9_-]+`). */
const CAMERA_NAME = '^[a-zA-Z0-9_-]+$';
/** Byte quantities as planner/devices.ts reads them: `1024`, `256MB`, `1.5GiB`. */
const BYTES = '^[0-9]+(\\.[0-9]+)?\\s*(B|[kKMGT]i?B)?$';
const BYTES_SCHEMA = { type: ['integer', 'string'], minimum: 1, pattern: BYTES, description: 'must be a byte size such as 1024, 256MB or 1.5GiB' } as const;

const device = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', pattern: LEVEL },
    memory: BYTES_SCHEMA,
    // One type keyword instead of anyOf, so a bad value gives one error line, not three.
    speed: { type: ['number', 'string'], exclusiveMinimum: 0, pattern: '^measure$', description: 'must be GFLOP/s > 0 or "measure"' },
    link: { type: ['integer', 'string'], minimum: 1, pattern: '^[0-9]+(\\.[0-9]+)?\\s*([kMG]?bit|[kMG]?bps)?$', description: 'must be a rate such as 100Mbit' },
  },
} as const;

const camera = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // Any topic name, e.g. `frigate/porch/person/snapshot` or an ESP32-CAM's; never a filter.
    topic: { type: 'string', minLength: 1, pattern: '^[^+#\\u0000]+$', requiresRestart: true },
    // The protocol's own ceiling (MQTT 3.1.1 §2.2.3: 268,435,455 bytes of remaining length).
    maxFrameBytes: { type: 'integer', minimum: 1, maximum: 268_435_455 },
    labels: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    threshold: { type: 'number', minimum: 0, maximum: 1 },
    // worker/head/nms.ts NMS_MODES (shared/ may not import the worker).
    nms: { enum: ['per-class', 'agnostic'] },
    snapshot: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: { type: 'boolean' }, quality: { type: 'integer', minimum: 1, maximum: 100 } },
    },
  },
} as const;

/** The schema object; `requiresRestart` marks start-only keys (see the module comment). */
export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'deeperthings.yaml',
  type: 'object',
  additionalProperties: false,
  properties: {
    mqtt: {
      type: 'object',
      additionalProperties: false,
      requiresRestart: true,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^(mqtt|mqtts|tcp|ssl|ws|wss)://[^\\s]+$', description: 'must be a broker URL such as mqtt://localhost:1883' },
        username: { type: 'string' },
        password: { type: 'string' },
        protocol: { enum: [4, 5] },
      },
    },
    topics: {
      type: 'object',
      additionalProperties: false,
      requiresRestart: true,
      properties: {
        root: { type: 'string', pattern: '^[^+#\\u0000]+$', not: { pattern: '(^/|/$|//)' }, description: 'must not start or end with / nor contain an empty level' },
        // <root>/bridge/… is the bridge's own subtree (shared/topics.ts refuses it too).
        cluster: { type: 'string', pattern: LEVEL, not: { const: 'bridge' }, description: "must not be 'bridge' (reserved for <root>/bridge/)" },
      },
    },
    homeassistant: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        discoveryPrefix: { type: 'string', pattern: '^[^+#\\u0000]+$', requiresRestart: true },
        birthDelaySeconds: { type: 'number', minimum: 0, maximum: 600 },
        expireAfterSeconds: { type: 'integer', minimum: 0 },
        offDelaySeconds: { type: 'integer', minimum: 0 },
      },
    },
    planner: {
      type: 'object',
      additionalProperties: false,
      properties: {
        objective: { type: 'string', pattern: OBJECTIVE_PATTERN, description: 'must be latency, fps, comm or memory, or a list like latency,comm' },
        tail: { enum: [...TAIL_PINS] },
        wire: { type: 'string', enum: [...WIRE_CHOICES] },
        devices: { type: ['integer', 'array'], minimum: 1, maximum: 64, minItems: 1, items: device },
        waitForWorkersSeconds: { type: 'number', minimum: 0 },
        livenessSeconds: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    cameras: {
      type: 'object',
      propertyNames: { pattern: CAMERA_NAME, description: 'camera names use letters, digits, _ and - only (a topic level and a Home Assistant id)' },
      additionalProperties: camera,
    },
    workers: {
      type: 'object',
      additionalProperties: false,
      requiresRestart: true,
      properties: { memory: BYTES_SCHEMA, speed: device.properties.speed, framesInFlight: { type: 'integer', minimum: 1, maximum: 64 }, queueDepth: { type: 'integer', minimum: 0, maximum: 64 }, modelDirs: { type: 'array', items: { type: 'string' } }, steal: { type: 'boolean' }, retainFrames: { type: 'integer', minimum: 0, maximum: 64 } },
    },
    logging: {
      type: 'object',
      additionalProperties: false,
      properties: { level: { enum: [...LOG_LEVELS] }, json: { type: 'boolean' } },
    },
  },
} as const;

/** A schema node as this module writes them (enough structure for the walkers in load.ts and restart.ts). */
export interface SchemaNode {
  type?: string | readonly string[];
  properties?: Readonly<Record<string, SchemaNode>>;
  additionalProperties?: SchemaNode | boolean;
  requiresRestart?: boolean;
  [key: string]: unknown;
}

/** The schema as editors read it: JSON, two-space indented. */
function schemaJson(): string {
  return JSON.stringify(CONFIG_SCHEMA, null, 2) + '\n';
}

/** Write the schema for editors (`deeperthings validate --write-schema <file>`). */
export async function writeSchema(file: string): Promise<void> {
  await writeFile(file, schemaJson());
}
