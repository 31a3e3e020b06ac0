/**
 * Home Assistant device-based discovery payloads as types (ECOSYSTEM §1.2–1.5): one interface per
 * platform we emit, holding only keys HA documents for it, so an unknown or misspelt key fails to
 * compile (HA would drop it silently, §1.1). Full key names only, never abbreviations (§1.5).
 * Sources: home-assistant/core homeassistant/components/mqtt/{schemas.py, sensor.py,
 * binary_sensor.py, image.py, event.py} and the MQTT integration docs. The payload of the topic
 * map's `haDevice`; planner/discovery-*.ts build it.
 */

/** One entry of an `availability` list (schemas.py MQTT_AVAILABILITY_LIST_SCHEMA). */
export interface AvailabilityEntry {
  topic: string;
  payload_available?: string;
  payload_not_available?: string;
  value_template?: string;
}

/** Keys every MQTT entity accepts (schemas.py MQTT_ENTITY_COMMON_SCHEMA). */
export interface EntityBase {
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
