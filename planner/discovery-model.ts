/**
 * Home Assistant device-based discovery payloads as types (ECOSYSTEM §1.2–1.5): one interface per
 * platform we emit, holding only keys HA documents for it, so an unknown or misspelt key fails to
 * compile (HA would drop it silently, §1.1). Full key names only, never abbreviations (§1.5).
 * Sources: home-assistant/core homeassistant/components/mqtt/{schemas.py, sensor.py,
 * binary_sensor.py, image.py, event.py} and the MQTT integration docs.
 */
import { createHash } from 'node:crypto';
import type { Topics } from '../shared/topics.ts';

/** One entry of an `availability` list (schemas.py MQTT_AVAILABILITY_LIST_SCHEMA). */
export interface AvailabilityEntry {
  topic: string;
  payload_available?: string;
  payload_not_available?: string;
  value_template?: string;
}

/** Keys every MQTT entity accepts (schemas.py MQTT_ENTITY_COMMON_SCHEMA). */
interface EntityBase {
  platform: string;
  unique_id: string;
  /** `<domain>.<object id>`; replaces the deprecated `object_id` (ECOSYSTEM §1.4). */
  default_entity_id: string;
  /** Entity name under the device's name; null = the device's own name. */
  name: string | null;
  icon?: string;
  entity_category?: 'config' | 'diagnostic';
  enabled_by_default?: boolean;
  availability?: AvailabilityEntry[];
  availability_mode?: 'all' | 'any' | 'latest';
  json_attributes_topic?: string;
  json_attributes_template?: string;
  qos?: 0 | 1;
}

export interface SensorComponent extends EntityBase {
  platform: 'sensor';
  state_topic: string;
  value_template?: string;
  unit_of_measurement?: string;
  device_class?: 'duration' | 'data_size' | 'data_rate';
  state_class?: 'measurement' | 'total_increasing';
  expire_after?: number;
  suggested_display_precision?: number;
}

export interface BinarySensorComponent extends EntityBase {
  platform: 'binary_sensor';
  state_topic: string;
  value_template?: string;
  payload_on?: string;
  payload_off?: string;
  device_class?: 'occupancy' | 'connectivity' | 'problem';
  off_delay?: number;
  expire_after?: number;
}

/** image.py: exactly one of image_topic/url_topic; payloads are the raw file bytes. */
export interface ImageComponent extends EntityBase {
  platform: 'image';
  image_topic: string;
  content_type?: 'image/jpeg' | 'image/png';
}

/** event.py: retained messages are ignored, as are empty renderings of value_template. */
export interface EventComponent extends EntityBase {
  platform: 'event';
  state_topic: string;
  event_types: string[];
  value_template?: string;
}

export type Component = SensorComponent | BinarySensorComponent | ImageComponent | EventComponent;

/** schemas.py MQTT_ENTITY_DEVICE_INFO_SCHEMA (subset we fill). */
export interface DeviceBlock {
  identifiers: string[];
  name: string;
  manufacturer?: string;
  model?: string;
  sw_version?: string;
  via_device?: string;
}

/** schemas.py MQTT_ORIGIN_INFO_SCHEMA: an invalid origin makes HA drop the payload (§1.3). */
export interface OriginBlock {
  name: string;
  sw_version?: string;
  support_url?: string;
}

export interface DevicePayload {
  device: DeviceBlock;
  origin: OriginBlock;
  components: Record<string, Component>;
}

/** What every builder needs: the topic tree, versions, and the HA timing options of the config. */
export interface DiscoveryBuildContext {
  topics: Topics;
  swVersion: string;
  /** A real http(s) URL or nothing (HA validates it, and a bad one drops the whole payload). */
  supportUrl?: string;
  expireAfterSeconds: number;
  offDelaySeconds: number;
}

export const MANUFACTURER = 'deeperthings';

/**
 * A Home Assistant id (`[a-zA-Z0-9_-]+`, ECOSYSTEM §1.1) for a camera or worker name; names that
 * need rewriting get a short hash of the original, so two names cannot collapse to one id.
 */
export function haId(name: string): string {
  const safe = name.replace(/[^a-zA-Z0-9_-]/g, '_');
  return safe === name ? name : `${safe}_${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
}

/** An entity id's object part: lowercase `[a-z0-9_]`, no doubled or edge underscores (HA's valid_entity_id). */
export function objectId(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'unnamed';
}

/** Prefix of every device id of this instance: root and cluster, so two installations never collide. */
export function instanceId(topics: Topics): string {
  return haId(`${objectId(topics.root)}_${topics.cluster}`);
}

export function bridgeDeviceId(topics: Topics): string {
  return `${instanceId(topics)}_bridge`;
}

/** unique_id and default_entity_id of component `key` on device `deviceId`. */
export function entityIds(platform: Component['platform'], deviceId: string, key: string): { unique_id: string; default_entity_id: string } {
  return { unique_id: `${deviceId}_${key}`, default_entity_id: `${platform}.${objectId(`${deviceId}_${key}`)}` };
}

/** The availability list: the bridge's Last Will always, plus the given state topics; mode `all` (§6.2). */
export function availability(topics: Topics, ...more: string[]): Pick<EntityBase, 'availability' | 'availability_mode'> {
  return { availability: [{ topic: topics.bridgeState() }, ...more.map((topic) => ({ topic }))], availability_mode: 'all' };
}

/** The origin block of every payload (HA logs it with each discovery message, §1.3). */
export function origin(ctx: DiscoveryBuildContext): OriginBlock {
  return { name: 'deeperthings', sw_version: ctx.swVersion, ...(ctx.supportUrl ? { support_url: ctx.supportUrl } : {}) };
}

/**
 * `value_json.<field>` (or `<base>.<field>` for a nested object) for a field of payload type T: a
 * renamed field fails to compile here instead of silently breaking an HA template.
 */
export function jsonField<T>(field: keyof T & string, base = 'value_json'): string {
  return `${base}.${field}`;
}

/** A Jinja string literal (JSON's double-quoted form is valid Jinja). */
export function jinjaString(s: string): string {
  return JSON.stringify(s);
}
